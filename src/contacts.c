/*
 * contacts.c
 *		Module entry point and the versions() report.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/inval.h"

#include <unicode/uchar.h>
#include <unicode/uversion.h>

#include "change_feed.h"
#include "compat.h"
#include "core/fold_table.h"
#include "core/phone.h"
#include "entry_config.h"
#include "guc.h"
#include "merge.h"
#include "suppression.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Every cache of the module hears of relcache invalidations through this
 * one callback: a backend has room for only ten (PostgreSQL 15 and 16), the
 * server takes some and Citus alone five.
 */
static void
relcache_invalidated(Datum arg, Oid relid)
{
	contacts_config_invalidate(relid);
	contacts_feed_invalidate(relid);
	contacts_suppression_invalidate(relid);
	merge_cache_invalidate(relid);
}

void
_PG_init(void)
{
	contacts_define_gucs();
	CacheRegisterRelcacheCallback(relcache_invalidated, (Datum) 0);
}

static void
emit_version(ReturnSetInfo *rsinfo, const char *component, const char *version)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = CStringGetTextDatum(component);
	values[1] = CStringGetTextDatum(version);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * versions(): what the results of the IMMUTABLE functions depend on.  An
 * index on fold(), email or phone values must be rebuilt when the ICU,
 * Unicode or numbering-plan versions here change.
 */
PG_FUNCTION_INFO_V1(contacts_versions);
Datum
contacts_versions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	UVersionInfo v;
	char		buf[U_MAX_VERSION_STRING_LENGTH];

	InitMaterializedSRF(fcinfo, 0);

	emit_version(rsinfo, "contacts", CONTACTS_VERSION);
	u_getVersion(v);
	u_versionToString(v, buf);
	emit_version(rsinfo, "icu", buf);
	u_getUnicodeVersion(v);
	u_versionToString(v, buf);
	emit_version(rsinfo, "unicode", buf);
	emit_version(rsinfo, "fold_table",
				 psprintf("ICU %s, Unicode %s", ct_fold_table_icu_version, ct_fold_table_unicode_version));
	emit_version(rsinfo, "phone_metadata", ct_phone_metadata_version());

	return (Datum) 0;
}
