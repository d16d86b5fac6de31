/*
 * unit.h
 *		A minimal harness for the core unit tests (one executable per module).
 *
 * Each CHECK counts as one test.  main() ends with UNIT_DONE(), which prints
 * "<file>: N passed, N failed" and returns non-zero on any failure.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static int	unit_passed;
static int	unit_failed;

#define CHECK(cond) \
	do { \
		if (cond) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

/* Compare two NUL-terminated strings (either may be NULL), printing both on failure. */
#define CHECK_STR(got, want) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		if ((g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0)) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "%s:%d: got \"%s\", want \"%s\" (%s)\n", __FILE__, __LINE__, \
					g_ ? g_ : "(null)", w_ ? w_ : "(null)", #got); \
		} \
	} while (0)

#define CHECK_NEAR(got, want, eps) \
	do { \
		double g_ = (got), w_ = (want); \
		if (g_ - w_ <= (eps) && w_ - g_ <= (eps)) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "%s:%d: got %.6f, want %.6f (%s)\n", __FILE__, __LINE__, g_, w_, #got); \
		} \
	} while (0)

#define UNIT_DONE() \
	(printf("%s: %d passed, %d failed\n", __FILE__, unit_passed, unit_failed), \
	 unit_failed ? 1 : 0)

#endif							/* UNIT_H */
