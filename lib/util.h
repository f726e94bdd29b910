/* util.h - the smallest helpers, used by every folder. */
#ifndef FRAMESHIFT_LIB_UTIL_H
#define FRAMESHIFT_LIB_UTIL_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
