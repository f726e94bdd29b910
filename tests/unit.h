/* unit.h - shared main() for the Check unit tests: each test file defines
 * make_suite() and includes this once. */
#ifndef FRAMESHIFT_TESTS_UNIT_H
#define FRAMESHIFT_TESTS_UNIT_H

#include <check.h>
#include <stdlib.h>

static Suite *make_suite(void);

int main(void)
{
	SRunner *sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
