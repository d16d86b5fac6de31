/*
 * compat.h
 *		Differences between the PostgreSQL versions contacts builds against
 *		(13 to 17), in one place.
 */
#ifndef CONTACTS_COMPAT_H
#define CONTACTS_COMPAT_H

#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "catalog/pg_class.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"

#if PG_VERSION_NUM < 150000

/* PostgreSQL 15 added InitMaterializedSRF(); older servers build it by hand. */
static inline void
InitMaterializedSRF(FunctionCallInfo fcinfo, bits32 flags)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old;
	TupleDesc	tupdesc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(old);
}

/* PostgreSQL 15 renamed EmitWarningsOnPlaceholders(). */
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)

#endif

/* PostgreSQL 16 folded the per-catalog owner checks into object_ownercheck(). */
#if PG_VERSION_NUM >= 160000
#define contacts_is_table_owner(relid, role) object_ownercheck(RelationRelationId, (relid), (role))
#else
#define contacts_is_table_owner(relid, role) pg_class_ownercheck((relid), (role))
#endif

#endif							/* CONTACTS_COMPAT_H */
