/*
 * match_cluster.h
 *		Connected components of matched pairs, with a guard against chains.
 *
 * Pairs above the threshold link records; transitively linked records form
 * a cluster.  One weak link between two large groups (or a chain a~b~c~...
 * of near misses) would merge people who have nothing in common, so links
 * are taken strongest first and a link that would make a cluster larger
 * than max_size is refused; the clusters it would have joined are flagged
 * so the DBA can review them.
 */
#ifndef CT_MATCH_CLUSTER_H
#define CT_MATCH_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct_alloc.h"

typedef struct CtLink
{
	uint32_t	a;				/* record indexes in [0, n) */
	uint32_t	b;
	double		probability;
} CtLink;

/*
 * Cluster n records linked by links (reordered in place, strongest first).
 * Writes each record's cluster representative (the smallest record index
 * in its cluster) into cluster[n] and whether its cluster refused a link
 * into flagged[n].  Returns the number of refused links, or -1 when out of
 * memory.
 */
extern long ct_cluster(uint32_t n, CtLink *links, size_t nlinks, uint32_t max_size,
					   uint32_t *cluster, bool *flagged, const CtAllocator *alloc);

/*
 * How many clusters (of two records or more) ct_cluster would form at each
 * of nthresholds thresholds, given in descending order: the links at or
 * above a threshold are a prefix of the strongest-first order, so one pass
 * of the same union-find with the same size guard counts them all.  links
 * are reordered in place as ct_cluster does.  Writes clusters[nthresholds];
 * returns false when out of memory.
 */
extern bool ct_cluster_counts(uint32_t n, CtLink *links, size_t nlinks, uint32_t max_size,
							  const double *thresholds, int nthresholds, int64_t *clusters,
							  const CtAllocator *alloc);

#endif							/* CT_MATCH_CLUSTER_H */
