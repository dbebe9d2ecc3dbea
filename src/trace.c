// SPDX-License-Identifier: GPL-2.0
/*
 * The module's tracepoints (trace.h), instantiated here once; every other
 * file includes trace.h only to use them.
 */

#define CREATE_TRACE_POINTS
#include "trace.h"
