/*
 * gen_random.h
 *		The seeded random numbers of the test data generators (contactgen,
 *		registrygen): splitmix64, so that a seed gives the same file on
 *		every machine.
 */
#ifndef CONTACTS_GEN_RANDOM_H
#define CONTACTS_GEN_RANDOM_H

#include <stdint.h>

#define COUNTOF(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(rng, arr) ((arr)[rng_int((rng), (int) COUNTOF(arr))])

typedef struct Rng
{
	uint64_t	state;
} Rng;

static inline uint64_t
rng_next(Rng *rng)
{
	uint64_t	z = (rng->state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* uniform integer in [0, n) */
static inline int
rng_int(Rng *rng, int n)
{
	return (int) ((rng_next(rng) >> 11) % (uint64_t) n);
}

/* uniform double in [0, 1) */
static inline double
rng_unit(Rng *rng)
{
	return (double) (rng_next(rng) >> 11) / 9007199254740992.0;
}

static inline int
chance(Rng *rng, double p)
{
	return rng_unit(rng) < p;
}

#endif							/* CONTACTS_GEN_RANDOM_H */
