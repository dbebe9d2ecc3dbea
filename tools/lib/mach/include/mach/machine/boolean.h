/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* <mach/machine/boolean.h>: see <mach/boolean.h>. */
#include <mach/boolean.h>
