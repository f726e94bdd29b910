/* parse.h - strict parsers for what users and clients type: no sign, no
 * spaces, no trailing junk, no overflow. Each returns 0, or -1 and leaves
 * *out alone. */
#ifndef FRAMESHIFT_LIB_PARSE_H
#define FRAMESHIFT_LIB_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* "512M", "2GiB", "4096", "1g": bytes (binary suffixes K M G T, optional i/B) */
int parse_size(const char *s, uint64_t *out);
/* a decimal in [min, max] */
int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);
/* the same, of the len bytes at s (a field of an option: "node=1,...") */
int parse_uint_field(const char *s, size_t len, unsigned min, unsigned max, unsigned *out);
/* Indices and ranges below limit ("0-3,7"), calling add for each range;
 * -1 on a syntax error or an index >= limit. */
int parse_range_list(const char *s, uint32_t limit,
		     void (*add)(uint32_t lo, uint32_t hi, void *arg), void *arg);

#endif
