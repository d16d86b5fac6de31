/*
 * match_cluster.c
 *		Union-find over matched pairs with a cluster size limit.
 */
#include <stdlib.h>

#include "match_cluster.h"

static uint32_t
find_root(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x)
	{
		parent[x] = parent[parent[x]];	/* path halving */
		x = parent[x];
	}
	return x;
}

static int
stronger_first(const void *x, const void *y)
{
	const CtLink *a = x,
			   *b = y;

	if (a->probability != b->probability)
		return a->probability > b->probability ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;	/* deterministic order on ties */
	return a->b < b->b ? -1 : (a->b > b->b);
}

long
ct_cluster(uint32_t n, CtLink *links, size_t nlinks, uint32_t max_size,
		   uint32_t *cluster, bool *flagged, const CtAllocator *alloc)
{
	uint32_t   *parent = ct_alloc(alloc, (size_t) n * sizeof(uint32_t));
	uint32_t   *size = ct_alloc(alloc, (size_t) n * sizeof(uint32_t));
	uint32_t   *smallest = ct_alloc(alloc, (size_t) n * sizeof(uint32_t));
	bool	   *refused = ct_alloc(alloc, (size_t) n * sizeof(bool));
	long		nrefused = 0;

	if (n > 0 && (!parent || !size || !smallest || !refused))
		return -1;
	for (uint32_t i = 0; i < n; i++)
	{
		parent[i] = i;
		size[i] = 1;
		smallest[i] = i;
		refused[i] = false;
	}
	qsort(links, nlinks, sizeof(CtLink), stronger_first);
	for (size_t k = 0; k < nlinks; k++)
	{
		uint32_t	ra = find_root(parent, links[k].a);
		uint32_t	rb = find_root(parent, links[k].b);

		if (ra == rb)
			continue;
		if (size[ra] + size[rb] > max_size)
		{
			refused[ra] = refused[rb] = true;
			nrefused++;
			continue;
		}
		/* union by size; the root keeps the smallest index and the flag */
		if (size[ra] < size[rb])
		{
			uint32_t	t = ra;

			ra = rb;
			rb = t;
		}
		parent[rb] = ra;
		size[ra] += size[rb];
		if (smallest[rb] < smallest[ra])
			smallest[ra] = smallest[rb];
		refused[ra] = refused[ra] || refused[rb];
	}
	for (uint32_t i = 0; i < n; i++)
	{
		uint32_t	r = find_root(parent, i);

		cluster[i] = smallest[r];
		flagged[i] = refused[r];
	}
	ct_free(alloc, parent);
	ct_free(alloc, size);
	ct_free(alloc, smallest);
	ct_free(alloc, refused);
	return nrefused;
}

bool
ct_cluster_counts(uint32_t n, CtLink *links, size_t nlinks, uint32_t max_size,
				  const double *thresholds, int nthresholds, int64_t *clusters,
				  const CtAllocator *alloc)
{
	uint32_t   *parent = ct_alloc(alloc, (size_t) n * sizeof(uint32_t));
	uint32_t   *size = ct_alloc(alloc, (size_t) n * sizeof(uint32_t));
	int64_t		count = 0;		/* components of two records or more */
	size_t		k = 0;

	if (n > 0 && (!parent || !size))
		return false;
	for (uint32_t i = 0; i < n; i++)
	{
		parent[i] = i;
		size[i] = 1;
	}
	qsort(links, nlinks, sizeof(CtLink), stronger_first);
	for (int t = 0; t < nthresholds; t++)
	{
		for (; k < nlinks && links[k].probability >= thresholds[t]; k++)
		{
			uint32_t	ra = find_root(parent, links[k].a);
			uint32_t	rb = find_root(parent, links[k].b);

			if (ra == rb || size[ra] + size[rb] > max_size)
				continue;
			/* two clusters become one; a single record joining adds none */
			count += 1 - (size[ra] >= 2) - (size[rb] >= 2);
			if (size[ra] < size[rb])
			{
				uint32_t	tmp = ra;

				ra = rb;
				rb = tmp;
			}
			parent[rb] = ra;
			size[ra] += size[rb];
		}
		clusters[t] = count;
	}
	ct_free(alloc, parent);
	ct_free(alloc, size);
	return true;
}
