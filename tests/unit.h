/* unit.h - what every Check unit test shares: main() (each test file
 * defines make_suite() and includes this once) and small checks on memory. */
#ifndef FRAMESHIFT_TESTS_UNIT_H
#define FRAMESHIFT_TESTS_UNIT_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static Suite *make_suite(void);

/* Whether the len bytes at p all hold v. */
static inline bool all_bytes_are(const void *p, uint64_t len, uint8_t v)
{
	const uint8_t *b = p;

	for (uint64_t i = 0; i < len; i++)
		if (b[i] != v)
			return false;
	return true;
}

int main(void)
{
	SRunner *sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
