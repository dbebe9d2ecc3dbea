/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* <mach/machine/vm_types.h>: see <mach/vm_types.h>. */
#include <mach/vm_types.h>
