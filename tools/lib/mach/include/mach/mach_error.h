/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* <mach/mach_error.h> for libmach on machipc: error strings. */
#ifndef _MACH_MACH_ERROR_H_
#define _MACH_MACH_ERROR_H_

#include <mach/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A static description of @error_value, e.g. "(os/kern) invalid name". */
char *mach_error_string(mach_error_t error_value);
/* Prints "@str <description> (0x<value>)" on stderr. */
void mach_error(const char *str, mach_error_t error_value);
/* The class of @error_value, e.g. "(ipc/send)". */
char *mach_error_type(mach_error_t error_value);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_ERROR_H_ */
