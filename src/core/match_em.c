/*
 * match_em.c
 *		Counting comparison patterns and fitting m and u to them by EM
 *		(match_model.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match_model.h"

/* ---------------------------------------------------------------- patterns */

struct CtPatternCounts
{
	const CtAllocator *alloc;
	int			nfields;
	size_t		capacity;		/* slots, a power of two */
	size_t		used;
	double		total;
	uint8_t    *keys;			/* capacity * nfields */
	double	   *counts;			/* 0 = empty slot */
};

static uint64_t
hash_gamma(const uint8_t *g, int n)
{
	uint64_t	h = 1469598103934665603ULL;

	for (int i = 0; i < n; i++)
		h = (h ^ g[i]) * 1099511628211ULL;
	return h;
}

static bool
patterns_alloc(CtPatternCounts *pc, size_t capacity)
{
	pc->keys = ct_alloc(pc->alloc, capacity * pc->nfields);
	pc->counts = ct_alloc(pc->alloc, capacity * sizeof(double));
	if (!pc->keys || !pc->counts)
		return false;
	memset(pc->counts, 0, capacity * sizeof(double));
	pc->capacity = capacity;
	return true;
}

CtPatternCounts *
ct_patterns_create(int nfields, const CtAllocator *alloc)
{
	CtPatternCounts *pc = ct_alloc(alloc, sizeof(CtPatternCounts));

	if (!pc)
		return NULL;
	memset(pc, 0, sizeof(*pc));
	pc->alloc = alloc;
	pc->nfields = nfields;
	if (!patterns_alloc(pc, 1024))
		return NULL;
	return pc;
}

static void
patterns_insert(CtPatternCounts *pc, const uint8_t *gamma, double count)
{
	size_t		mask = pc->capacity - 1;
	size_t		i = hash_gamma(gamma, pc->nfields) & mask;

	while (pc->counts[i] != 0 && memcmp(pc->keys + i * pc->nfields, gamma, pc->nfields) != 0)
		i = (i + 1) & mask;
	if (pc->counts[i] == 0)
	{
		memcpy(pc->keys + i * pc->nfields, gamma, pc->nfields);
		pc->used++;
	}
	pc->counts[i] += count;
}

bool
ct_patterns_add(CtPatternCounts *pc, const uint8_t *gamma, double count)
{
	if (count <= 0)
		return true;
	if ((pc->used + 1) * 2 > pc->capacity)
	{
		uint8_t    *old_keys = pc->keys;
		double	   *old_counts = pc->counts;
		size_t		old_capacity = pc->capacity;

		if (!patterns_alloc(pc, old_capacity * 2))
			return false;
		pc->used = 0;
		for (size_t i = 0; i < old_capacity; i++)
			if (old_counts[i] != 0)
				patterns_insert(pc, old_keys + i * pc->nfields, old_counts[i]);
		ct_free(pc->alloc, old_keys);
		ct_free(pc->alloc, old_counts);
	}
	patterns_insert(pc, gamma, count);
	pc->total += count;
	return true;
}

size_t
ct_patterns_distinct(const CtPatternCounts *pc)
{
	return pc->used;
}

double
ct_patterns_total(const CtPatternCounts *pc)
{
	return pc->total;
}

void
ct_patterns_free(CtPatternCounts *pc)
{
	if (!pc)
		return;
	ct_free(pc->alloc, pc->keys);
	ct_free(pc->alloc, pc->counts);
	ct_free(pc->alloc, pc);
}

/* ---------------------------------------------------------------- u */

void
ct_level_counts_add(CtLevelCounts *lc, const CtMatchModel *model, const uint8_t *gamma)
{
	for (int f = 0; f < model->nfields; f++)
		if (CT_LEVEL_COUNTS(gamma[f]))
			lc->n[f][gamma[f]] += 1;
	lc->pairs += 1;
}

/*
 * Agreement levels (all but the last) at or above their floor, the last
 * level ("different") taking what is left, at least U_LAST_MIN: a floor
 * says how often agreement happens at least, never how often disagreement
 * does.
 */
#define U_LAST_MIN 1e-4
static void
apply_floor(CtFieldModel *fm)
{
	int			last = fm->nlevels - 1;
	double		sum = 0;

	for (int l = 0; l < last; l++)
	{
		if (fm->u[l] < fm->u_floor[l])
			fm->u[l] = fm->u_floor[l];
		sum += fm->u[l];
	}
	if (sum > 1 - U_LAST_MIN)
		for (int l = 0; l < last; l++)
			fm->u[l] *= (1 - U_LAST_MIN) / sum;
	fm->u[last] = 1 - fmin(sum, 1 - U_LAST_MIN);
}

void
ct_model_set_u_floor(CtMatchModel *model, const CtLevelCounts *lc, double prior_pairs)
{
	for (int f = 0; f < model->nfields; f++)
	{
		CtFieldModel *fm = &model->field[f];
		CtMatchModel defaults;
		double		present = 0;

		if (fm->fixed)
			continue;
		for (int l = 0; l < fm->nlevels; l++)
			present += lc->n[f][l];
		if (present <= 0)
			continue;
		/* the kind's default u, not the last run's: the same rows, the same floor */
		ct_model_init(&defaults, &fm->kind, 1);
		for (int l = 0; l < fm->nlevels; l++)
			fm->u_floor[l] = (lc->n[f][l] + prior_pairs * defaults.field[0].u[l]) / (present + prior_pairs);
		apply_floor(fm);
	}
	ct_model_weights(model);
}

/* ---------------------------------------------------------------- EM */

/* keep lambda away from 0 and 1 so logs and ratios stay finite */
#define EM_FLOOR 1e-6
/*
 * Laplace smoothing of the m and u estimates: a level seen a handful of
 * times among a hundred thousand pairs must not get u = 1e-12 and a weight
 * of 40 bits.
 */
#define EM_PSEUDO_COUNT 1.0

int
ct_em(CtMatchModel *model, const CtPatternCounts *pc, int max_iterations, double tolerance)
{
	double		macc[CT_MAX_FIELDS][CT_MAX_LEVELS];
	double		uacc[CT_MAX_FIELDS][CT_MAX_LEVELS];
	int			iter;
	CtMatchModel start = *model;

	if (pc->total <= 0)
		return 0;
	for (iter = 1; iter <= max_iterations; iter++)
	{
		double		match_total = 0;
		double		delta = 0;
		double		new_lambda;

		memset(macc, 0, sizeof(macc));
		memset(uacc, 0, sizeof(uacc));
		for (size_t i = 0; i < pc->capacity; i++)
		{
			const uint8_t *g = pc->keys + i * pc->nfields;
			double		count = pc->counts[i];
			double		pm = model->lambda,
						pu = 1 - model->lambda;
			double		w;

			if (count == 0)
				continue;
			for (int f = 0; f < model->nfields; f++)
				if (CT_LEVEL_COUNTS(g[f]))
				{
					pm *= model->field[f].m[g[f]];
					pu *= model->field[f].u[g[f]];
				}
			w = pm / (pm + pu);
			match_total += count * w;
			for (int f = 0; f < model->nfields; f++)
				if (CT_LEVEL_COUNTS(g[f]))
				{
					macc[f][g[f]] += count * w;
					uacc[f][g[f]] += count * (1 - w);
				}
		}
		new_lambda = match_total / pc->total;
		if (new_lambda < EM_FLOOR)
			new_lambda = EM_FLOOR;
		if (new_lambda > 1 - EM_FLOOR)
			new_lambda = 1 - EM_FLOOR;
		delta = fabs(new_lambda - model->lambda);
		model->lambda = new_lambda;
		for (int f = 0; f < model->nfields; f++)
		{
			CtFieldModel *fm = &model->field[f];
			double		ms = 0,
						us = 0;

			if (fm->fixed)
				continue;
			for (int l = 0; l < fm->nlevels; l++)
			{
				ms += macc[f][l] + EM_PSEUDO_COUNT;
				us += uacc[f][l] + EM_PSEUDO_COUNT;
			}
			for (int l = 0; l < fm->nlevels; l++)
			{
				double		m = (macc[f][l] + EM_PSEUDO_COUNT) / ms;
				double		u = (uacc[f][l] + EM_PSEUDO_COUNT) / us;

				delta = fmax(delta, fmax(fabs(m - fm->m[l]), fabs(u - fm->u[l])));
				fm->m[l] = m;
				fm->u[l] = u;
			}
			apply_floor(fm);
		}
		if (delta < tolerance)
			break;
	}
	if (model->lambda < CT_EM_MIN_LAMBDA || model->lambda > CT_EM_MAX_LAMBDA)
	{
		*model = start;
		return 0;
	}
	ct_model_weights(model);
	return iter > max_iterations ? max_iterations : iter;
}
