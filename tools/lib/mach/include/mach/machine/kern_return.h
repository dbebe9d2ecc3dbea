/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* <mach/machine/kern_return.h>: see <mach/kern_return.h>. */
#include <mach/kern_return.h>
