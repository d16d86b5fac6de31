/*
 * compat.h
 *		Differences between the PostgreSQL versions contacts builds against
 *		(15 to 18), in one place: every PG_VERSION_NUM test lives here.
 */
#ifndef CONTACTS_COMPAT_H
#define CONTACTS_COMPAT_H

#include "postgres.h"

#include "catalog/pg_class.h"
#include "utils/acl.h"

#if PG_VERSION_NUM >= 160000

/* PostgreSQL 16 moved the varlena macros (VARDATA, VARSIZE...) out of postgres.h. */
#include "varatt.h"

#else

/*
 * PostgreSQL 16 added soft errors: an input function handed an
 * ErrorSaveContext (pg_input_is_valid) saves the error there and returns.
 * Before that every input error is thrown.
 */
#define errsave(context, ...) ereport(ERROR, __VA_ARGS__)

#endif

/* PostgreSQL 16 folded the per-catalog owner checks into object_ownercheck(). */
#if PG_VERSION_NUM >= 160000
#define contacts_is_table_owner(relid, role) object_ownercheck(RelationRelationId, (relid), (role))
#else
#define contacts_is_table_owner(relid, role) pg_class_ownercheck((relid), (role))
#endif

/*
 * The extra state of a setting's value is freed by the server: with free()
 * before PostgreSQL 16, with guc_free() (memory of its own context) since.
 */
#if PG_VERSION_NUM >= 160000
#include "utils/guc.h"
#define contacts_guc_malloc(size) guc_malloc(LOG, (size))
#else
#include <stdlib.h>
#define contacts_guc_malloc(size) malloc(size)
#endif

#if PG_VERSION_NUM < 180000
/*
 * PostgreSQL 18 replaced pg_attribute_noreturn(), written after a
 * declaration, with pg_noreturn written before it; the GCC attribute behind
 * the old macro is allowed there too.
 */
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * PostgreSQL 18 can make RelationGetPrimaryKeyIndex() return a deferrable
 * primary key too; false keeps what older servers return, a primary key
 * checked immediately, the only kind a merge can rely on.
 */
#if PG_VERSION_NUM >= 180000
#define contacts_primary_key_index(rel) RelationGetPrimaryKeyIndex((rel), false)
#else
#define contacts_primary_key_index(rel) RelationGetPrimaryKeyIndex(rel)
#endif

/*
 * PostgreSQL 17 gave LogLogicalMessage() a flush argument; false is what
 * older servers did (the commit flushes a transactional message).
 */
#if PG_VERSION_NUM >= 170000
#define contacts_log_logical_message(prefix, msg, size, transactional) \
	LogLogicalMessage((prefix), (msg), (size), (transactional), false)
#else
#define contacts_log_logical_message(prefix, msg, size, transactional) \
	LogLogicalMessage((prefix), (msg), (size), (transactional))
#endif

/*
 * Call a type's input function so that a value it rejects does not throw:
 * returns true with *result, or false with the server's message in
 * *message.  PostgreSQL 16 has soft errors (InputFunctionCallSafe); 15
 * needs a subtransaction around the call, which costs a few microseconds,
 * so callers check what they can themselves first.  Only data errors (class
 * 22) and constraint violations of domains (class 23) are caught; anything
 * else (a cancel, out of memory) is thrown on.
 */
#include "fmgr.h"

#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"

static inline bool
contacts_input_safe(FmgrInfo *flinfo, char *str, Oid typioparam, int32 typmod,
					Datum *result, char **message)
{
	ErrorSaveContext escontext = {.type = T_ErrorSaveContext};

	escontext.details_wanted = true;
	if (InputFunctionCallSafe(flinfo, str, typioparam, typmod, (Node *) &escontext, result))
		return true;
	*message = escontext.error_data ? escontext.error_data->message : pstrdup("invalid input");
	return false;
}
#else
#include "access/xact.h"
#include "utils/resowner.h"

static inline bool
contacts_input_safe(FmgrInfo *flinfo, char *str, Oid typioparam, int32 typmod,
					Datum *result, char **message)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		*result = InputFunctionCall(flinfo, str, typioparam, typmod);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION &&
			ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION)
			ReThrowError(edata);
		*message = edata->message;
		ok = false;
	}
	PG_END_TRY();
	return ok;
}
#endif

#endif							/* CONTACTS_COMPAT_H */
