/*
 * change_feed.c
 *		The change feed for two-way sync, and the external-id map.
 *
 * An event is a JSON object:
 *	{"kind": "insert" | "update" | "reject" | "merge" | "unmerge" | "import",
 *	 "table": "schema.table", "key": {...}, "survivor": {...}, "merged": [{...}],
 *	 "columns": [...], "alternates": null, "source": "crm" | null,
 *	 "txid": "1234", "at": "timestamp", ...kind-specific members}
 * with keys as JSON objects {"key column": "value as text"}, as the merge
 * log writes them.  Per table (contacts.feed_config) it goes out, in the
 * transaction that makes the change:
 *	- as a transactional logical decoding message, prefix "contacts"
 *	  (LogLogicalMessage, what pg_logical_emit_message(true, ...) calls),
 *	  when wal_level is logical: decoded in commit order with the rows;
 *	- as a NOTIFY on the table's channel (a short form when the event does
 *	  not fit a notification's payload);
 *	- as a row of contacts.feed_event, pruned after the table's retention.
 * A reject is the exception: the rejecting error rolls the writer's
 * transaction back, so it goes out only as a non-transactional logical
 * message, which decoding passes on at once.
 *
 * The settings are cached per backend like the entry trigger's
 * configuration (the configuration trigger's relcache invalidations reach
 * this cache too), so a table whose feed is off costs one lookup per row.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "replication/message.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "change_feed.h"
#include "compat.h"
#include "entry_config.h"
#include "guc.h"
#include "privileges.h"
#include "spi_util.h"

/* The prefix of the feed's logical decoding messages. */
#define FEED_PREFIX "contacts"

/* Longest event sent whole as a notification payload (the server's limit is 7999 bytes). */
#define FEED_NOTIFY_MAX 7000

/* Least time between two prunings of a table's kept events by one backend. */
#define FEED_PRUNE_INTERVAL_MS 60000

struct FeedConfig
{
	Oid			relid;			/* hash key */
	bool		valid;
	bool		on;				/* any switch on */
	bool		logical;
	bool		notify;
	bool		keep;
	char	   *channel;		/* in CacheMemoryContext */
	char	   *table_name;		/* schema-qualified, quoted where needed */
	char	   *key_column;		/* table_config's key column, or NULL */
	AttrNumber	key_attnum;
	TimestampTz last_prune;
};

/* One event, its members as JSON text (NULL: null). */
typedef struct FeedEvent
{
	const char *kind;
	const char *key;
	const char *survivor;
	const char *merged;
	const char *columns;
	const char *alternates;		/* kept for the alternates a merge moves */
	const char *extra;			/* more members, ",\"name\": value..." */
} FeedEvent;

static HTAB *feed_cache = NULL;
static FeedConfig *last_feed = NULL;

/* The last insert the entry trigger turned into an update, and of which row. */
static Oid	redirected_relid = InvalidOid;
static char *redirected_key = NULL;

static SPIPlanPtr keep_plan = NULL;
static SPIPlanPtr move_plan = NULL;
static SPIPlanPtr restore_plan = NULL;

void
contacts_feed_invalidate(Oid relid)
{
	HASH_SEQ_STATUS status;
	FeedConfig *entry;

	if (feed_cache == NULL)
		return;
	hash_seq_init(&status, feed_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		if (relid == InvalidOid || entry->relid == relid)
			entry->valid = false;
	}
}

static char *
cache_strdup(const char *s)
{
	return s ? MemoryContextStrdup(CacheMemoryContext, s) : NULL;
}

/*
 * Read the table's feed settings, as the extension's owner (every writer of
 * the table needs them, as it needs the entry configuration).
 */
static void
load_feed(FeedConfig *feed)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(feed->relid)};
	ContactsRoleSwitch sw;
	char	   *nsp;
	char	   *rel;

	contacts_spi_connect();
	contacts_switch_to(contacts_extension_owner(), &sw);
	if (contacts_spi_execute_args(psprintf("SELECT f.logical, f.notify, f.keep, f.channel, c.key_column "
										   "FROM %1$s.feed_config f LEFT JOIN %1$s.table_config c ON c.tbl OPERATOR(pg_catalog.=) f.tbl "
										   "WHERE f.tbl::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
										   contacts_extension_schema_quoted()),
								  1, argtypes, args, NULL, true, 1, SPI_OK_SELECT) > 0)
	{
		feed->logical = contacts_spi_bool(SPI_tuptable, 0, 1);
		feed->notify = contacts_spi_bool(SPI_tuptable, 0, 2);
		feed->keep = contacts_spi_bool(SPI_tuptable, 0, 3);
		feed->on = feed->logical || feed->notify || feed->keep;
		feed->channel = cache_strdup(contacts_spi_text(SPI_tuptable, 0, 4));
		feed->key_column = cache_strdup(contacts_spi_text(SPI_tuptable, 0, 5));
	}
	contacts_switch_back(&sw);
	contacts_spi_finish();

	if (!feed->on)
		return;
	nsp = get_namespace_name(get_rel_namespace(feed->relid));
	rel = get_rel_name(feed->relid);
	if (nsp == NULL || rel == NULL)
	{
		feed->on = false;		/* dropped meanwhile */
		return;
	}
	feed->table_name = cache_strdup(quote_qualified_identifier(nsp, rel));
	feed->key_attnum = feed->key_column ? get_attnum(feed->relid, feed->key_column) : InvalidAttrNumber;
}

FeedConfig *
contacts_feed_config(Oid relid)
{
	FeedConfig *feed;
	bool		found;

	if (last_feed != NULL && last_feed->relid == relid && last_feed->valid)
		return last_feed->on ? last_feed : NULL;
	/* a database not yet updated from 0.1.0 has no feed */
	if (!contacts_catalog_has("feed_config", NULL))
		return NULL;
	if (feed_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(FeedConfig);
		ctl.hcxt = CacheMemoryContext;
		feed_cache = hash_create("contacts change feed", 16, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	feed = hash_search(feed_cache, &relid, HASH_ENTER, &found);
	if (!found || !feed->valid)
	{
		if (found)
		{
			if (feed->channel)
				pfree(feed->channel);
			if (feed->table_name)
				pfree(feed->table_name);
			if (feed->key_column)
				pfree(feed->key_column);
		}
		memset(((char *) feed) + sizeof(Oid), 0, sizeof(FeedConfig) - sizeof(Oid));
		PG_TRY();
		{
			load_feed(feed);
		}
		PG_CATCH();
		{
			hash_search(feed_cache, &relid, HASH_REMOVE, NULL);
			last_feed = NULL;
			PG_RE_THROW();
		}
		PG_END_TRY();
		feed->valid = true;
	}
	last_feed = feed;
	return feed->on ? feed : NULL;
}

static void
append_member(StringInfo buf, const char *name, const char *json)
{
	appendStringInfoString(buf, ", ");
	escape_json(buf, name);
	appendStringInfoString(buf, ": ");
	appendStringInfoString(buf, json ? json : "null");
}

/*
 * A JSON string of the time t in UTC, "2026-12-03T12:05:12.931655Z".  A
 * COPY makes an event per row: the date and time up to the second are
 * formatted once per second, the microseconds by hand.
 */
static void
append_time(StringInfo buf, TimestampTz t)
{
	static int64 cached_second = PG_INT64_MIN;
	static char cached[32];
	int64		second = t / USECS_PER_SEC;
	int64		usec = t % USECS_PER_SEC;
	char		digits[8];

	if (usec < 0)
	{
		usec += USECS_PER_SEC;
		second--;
	}
	if (second != cached_second)
	{
		struct pg_tm tm;
		fsec_t		fsec;

		if (timestamp2tm(second * USECS_PER_SEC, NULL, &tm, &fsec, NULL, NULL) != 0)
		{
			appendStringInfoString(buf, "null");
			return;
		}
		snprintf(cached, sizeof(cached), "\"%04d-%02d-%02dT%02d:%02d:%02d.",
				 tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		cached_second = second;
	}
	appendStringInfoString(buf, cached);
	for (int i = 5; i >= 0; i--)
	{
		digits[i] = '0' + (char) (usec % 10);
		usec /= 10;
	}
	digits[6] = '\0';
	appendStringInfoString(buf, digits);
	appendStringInfoString(buf, "Z\"");
}

/* The event as JSON text; txid only when the transaction has one already, unless assign. */
static void
event_json(StringInfo buf, const FeedConfig *feed, const FeedEvent *ev, bool assign)
{
	FullTransactionId fxid = assign ? GetTopFullTransactionId() : GetTopFullTransactionIdIfAny();

	appendStringInfoString(buf, "{\"kind\": ");
	escape_json(buf, ev->kind);
	appendStringInfoString(buf, ", \"table\": ");
	escape_json(buf, feed->table_name);
	append_member(buf, "key", ev->key);
	append_member(buf, "survivor", ev->survivor);
	append_member(buf, "merged", ev->merged);
	append_member(buf, "columns", ev->columns);
	append_member(buf, "alternates", ev->alternates);
	appendStringInfoString(buf, ", \"source\": ");
	if (contacts_source_system && contacts_source_system[0] != '\0')
		escape_json(buf, contacts_source_system);
	else
		appendStringInfoString(buf, "null");
	if (FullTransactionIdIsValid(fxid))
	{
		/* formatted once per transaction */
		static FullTransactionId cached_fxid = {0};
		static char cached[32];

		if (!FullTransactionIdEquals(fxid, cached_fxid))
		{
			snprintf(cached, sizeof(cached), ", \"txid\": \"" UINT64_FORMAT "\"", U64FromFullTransactionId(fxid));
			cached_fxid = fxid;
		}
		appendStringInfoString(buf, cached);
	}
	else
		appendStringInfoString(buf, ", \"txid\": null");
	appendStringInfoString(buf, ", \"at\": ");
	append_time(buf, GetCurrentTimestamp());
	if (ev->extra)
		appendStringInfoString(buf, ev->extra);
	appendStringInfoChar(buf, '}');
}

/* Keep the event in contacts.feed_event, as the extension's owner; prune now and then. */
static void
keep_event(FeedConfig *feed, const char *kind, const char *json)
{
	Oid			argtypes[3] = {OIDOID, TEXTOID, TEXTOID};
	Datum		args[3];
	ContactsRoleSwitch sw;
	TimestampTz now = GetCurrentTimestamp();
	const char *schema = contacts_extension_schema_quoted();

	contacts_spi_connect();
	contacts_switch_to(contacts_extension_owner(), &sw);
	if (keep_plan == NULL)
		keep_plan = contacts_spi_prepare(psprintf("INSERT INTO %s.feed_event (tbl, kind, txid, at, event) "
												  "VALUES ($1, $2, pg_catalog.pg_current_xact_id(), pg_catalog.clock_timestamp(), $3::pg_catalog.jsonb)",
												  schema), 3, argtypes, 0, true);
	args[0] = ObjectIdGetDatum(feed->relid);
	args[1] = CStringGetTextDatum(kind);
	args[2] = CStringGetTextDatum(json);
	contacts_spi_execute_plan(keep_plan, args, NULL, false, 0, SPI_OK_INSERT);
	if (TimestampDifferenceExceeds(feed->last_prune, now, FEED_PRUNE_INTERVAL_MS))
	{
		contacts_spi_execute_args(psprintf("DELETE FROM %1$s.feed_event e WHERE e.tbl OPERATOR(pg_catalog.=) $1 "
										   "AND e.at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) "
										   "(SELECT c.retention FROM %1$s.feed_config c WHERE c.tbl OPERATOR(pg_catalog.=) $1))",
										   schema),
								  1, argtypes, args, NULL, false, 0, SPI_OK_DELETE);
		feed->last_prune = now;
	}
	contacts_switch_back(&sw);
	contacts_spi_finish();
}

/* Publish an event of the current transaction on every channel the table's feed has on. */
static void
feed_emit(FeedConfig *feed, const FeedEvent *ev)
{
	StringInfoData buf;

	initStringInfo(&buf);
	event_json(&buf, feed, ev, true);
	if (feed->logical && XLogLogicalInfoActive())
		contacts_log_logical_message(FEED_PREFIX, buf.data, buf.len, true);
	if (feed->notify)
	{
		if (buf.len <= FEED_NOTIFY_MAX)
			Async_Notify(feed->channel, buf.data);
		else
		{
			StringInfoData brief;
			FeedEvent	b = {.kind = ev->kind, .key = ev->key,
				.extra = ", \"truncated\": true"};

			/* too long for a notification: what happened, and to which row */
			initStringInfo(&brief);
			event_json(&brief, feed, &b, true);
			Async_Notify(feed->channel, brief.len <= FEED_NOTIFY_MAX ? brief.data :
						 psprintf("{\"kind\": \"%s\", \"truncated\": true}", ev->kind));
		}
	}
	if (feed->keep)
		keep_event(feed, ev->kind, buf.data);
}

/* {"column": "value"} for a key column value of a row, or NULL. */
static char *
row_key(const FeedConfig *feed, HeapTuple tuple, TupleDesc desc)
{
	StringInfoData buf;
	char	   *value;

	if (feed->key_attnum == InvalidAttrNumber)
		return NULL;
	value = SPI_getvalue(tuple, desc, feed->key_attnum);
	if (value == NULL)
		return NULL;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	escape_json(&buf, feed->key_column);
	appendStringInfoString(&buf, ": ");
	escape_json(&buf, value);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/*
 * The columns an insert sets (not NULL) or an update changes (old is the
 * row before), as a JSON array; NULL for an update that changes nothing.
 */
static char *
row_columns(HeapTuple old, HeapTuple new, TupleDesc desc)
{
	StringInfoData buf;
	bool		any = false;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		null_new;
		Datum		v_new;

		if (att->attisdropped)
			continue;
		v_new = heap_getattr(new, i + 1, desc, &null_new);
		if (old == NULL)
		{
			if (null_new)
				continue;
		}
		else
		{
			bool		null_old;
			Datum		v_old = heap_getattr(old, i + 1, desc, &null_old);

			if (null_old == null_new &&
				(null_new || datumIsEqual(v_old, v_new, att->attbyval, att->attlen)))
				continue;
		}
		if (any)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, NameStr(att->attname));
		any = true;
	}
	appendStringInfoChar(&buf, ']');
	return any || old == NULL ? buf.data : NULL;
}

/*
 * A reject: the trigger's error is in flight.  Only errors the trigger
 * raises for a row it refuses are rejects; the event is a
 * non-transactional logical message, since everything else goes with the
 * rollback.  Nothing here may fail: it runs before the error is re-thrown.
 */
static void
feed_reject(FeedConfig *feed, TriggerData *trigdata, MemoryContext cxt)
{
	ErrorData  *edata;
	StringInfoData extra;
	StringInfoData buf;
	FeedEvent	ev = {0};

	if (!feed->logical || !XLogLogicalInfoActive())
		return;
	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	if (edata->sqlerrcode != ERRCODE_CHECK_VIOLATION &&
		edata->sqlerrcode != ERRCODE_NOT_NULL_VIOLATION &&
		edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION &&
		edata->sqlerrcode != ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION)
		return;
	initStringInfo(&extra);
	appendStringInfo(&extra, ", \"operation\": \"%s\", \"sqlstate\": \"%s\", \"reason\": ",
					 TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ? "insert" : "update",
					 unpack_sql_state(edata->sqlerrcode));
	escape_json(&extra, edata->message ? edata->message : "");
	ev.kind = "reject";
	ev.key = row_key(feed, trigdata->tg_trigtuple, RelationGetDescr(trigdata->tg_relation));
	ev.extra = extra.data;
	initStringInfo(&buf);
	event_json(&buf, feed, &ev, false);
	contacts_log_logical_message(FEED_PREFIX, buf.data, buf.len, false);
}

Datum
contacts_feed_entry(FeedConfig *feed, TriggerData *trigdata, FeedRowFunction row)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile Datum result = (Datum) 0;
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	bool		is_insert = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	HeapTuple	tuple;
	FeedEvent	ev = {0};

	PG_TRY();
	{
		result = row(trigdata);
	}
	PG_CATCH();
	{
		feed_reject(feed, trigdata, cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();

	/* NULL: the insert became an update of another row, whose trigger published it */
	tuple = (HeapTuple) DatumGetPointer(result);
	if (tuple == NULL)
		return result;
	ev.kind = is_insert ? "insert" : "update";
	ev.columns = row_columns(is_insert ? NULL : trigdata->tg_trigtuple, tuple, desc);
	if (ev.columns == NULL)
		return result;			/* an update that changes nothing */
	ev.key = row_key(feed, tuple, desc);
	feed_emit(feed, &ev);
	return result;
}

void
contacts_feed_redirected(Oid relid, const char *key)
{
	if (redirected_key)
		pfree(redirected_key);
	redirected_key = MemoryContextStrdup(TopMemoryContext, key);
	redirected_relid = relid;
}

/*
 * contacts.entry_redirected_key(tbl regclass) -> text
 *		The key of the row the entry trigger last turned an insert into tbl
 *		into an update of, in this session, and forget it; NULL when none.
 */
PG_FUNCTION_INFO_V1(contacts_entry_redirected_key);
Datum
contacts_entry_redirected_key(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	text	   *result = NULL;

	if (redirected_key != NULL && redirected_relid == relid)
		result = cstring_to_text(redirected_key);
	if (redirected_key)
		pfree(redirected_key);
	redirected_key = NULL;
	redirected_relid = InvalidOid;
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}

/* The top-level keys of a JSON object, as a JSON array. */
static char *
object_keys(const char *object)
{
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(object)));
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbIteratorToken tok;
	JsonbValue	v;
	StringInfoData buf;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		if (!first)
			appendStringInfoString(&buf, ", ");
		first = false;
		escape_json(&buf, pnstrdup(v.val.string.val, v.val.string.len));
	}
	appendStringInfoChar(&buf, ']');
	return buf.data;
}

/*
 * SQL of a key as the external-id map holds it: the value of a one-column
 * key object (json, an SQL expression), else the object's text.
 */
static char *
map_key_sql(const char *json)
{
	return psprintf("(SELECT CASE WHEN pg_catalog.count(*) OPERATOR(pg_catalog.=) 1 THEN pg_catalog.min(kv.value) "
					"ELSE pg_catalog.jsonb_object_agg(kv.key, kv.value)::pg_catalog.text END "
					"FROM pg_catalog.jsonb_each_text(%s) kv)", json);
}

void
contacts_feed_merge(Oid relid, int64 merge_id, const char *survivor_key,
					const char *member_keys, const char *patch)
{
	Oid			argtypes[4] = {OIDOID, INT8OID, TEXTOID, TEXTOID};
	Datum		args[4];
	FeedConfig *feed;

	/* a database not yet updated from 0.1.0 has neither ids nor a feed */
	if (!contacts_catalog_has("external_id", NULL))
		return;

	/*
	 * The merged-away rows' external ids now resolve to the survivor; each
	 * move is logged for unmerge.  As the caller, who may update the table.
	 */
	if (move_plan == NULL)
		move_plan = contacts_spi_prepare(psprintf(
												  "WITH old AS (SELECT x.system, x.external_id, x.key FROM %1$s.external_id x "
												  "  WHERE x.tbl::pg_catalog.oid OPERATOR(pg_catalog.=) $1 AND x.key OPERATOR(pg_catalog.=) ANY (ARRAY("
												  "    SELECT %2$s FROM pg_catalog.jsonb_array_elements($4::pg_catalog.jsonb) e)) FOR UPDATE), "
												  "to_key AS (SELECT %3$s AS k), "
												  "moved AS (INSERT INTO %1$s.external_id_move (merge_id, tbl, system, external_id, from_key, to_key) "
												  "  SELECT $2, $1::pg_catalog.regclass, o.system, o.external_id, o.key, t.k FROM old o, to_key t) "
												  "UPDATE %1$s.external_id x SET key = t.k, updated_at = pg_catalog.now() FROM old o, to_key t "
												  "WHERE x.tbl::pg_catalog.oid OPERATOR(pg_catalog.=) $1 AND x.system OPERATOR(pg_catalog.=) o.system "
												  "AND x.external_id OPERATOR(pg_catalog.=) o.external_id",
												  contacts_extension_schema_quoted(), map_key_sql("e.value"),
												  map_key_sql("$3::pg_catalog.jsonb")),
										 4, argtypes, 0, true);
	args[0] = ObjectIdGetDatum(relid);
	args[1] = Int64GetDatum(merge_id);
	args[2] = CStringGetTextDatum(survivor_key);
	args[3] = CStringGetTextDatum(member_keys);
	contacts_spi_execute_plan(move_plan, args, NULL, false, 0, SPI_OK_UPDATE);

	feed = contacts_feed_config(relid);
	if (feed != NULL)
	{
		FeedEvent	ev = {0};

		ev.kind = "merge";
		ev.key = survivor_key;
		ev.survivor = survivor_key;
		ev.merged = member_keys;
		ev.columns = patch ? object_keys(patch) : "[]";
		ev.extra = psprintf(", \"merge_id\": " INT64_FORMAT, merge_id);
		feed_emit(feed, &ev);
	}
}

/* SQL of a key object (json, an SQL expression) with its values as JSON strings. */
static char *
text_key_sql(const char *json)
{
	return psprintf("(SELECT pg_catalog.jsonb_object_agg(kv.key, kv.value) FROM pg_catalog.jsonb_each_text(%s) kv)",
					json);
}

void
contacts_feed_unmerge(int64 merge_id)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(merge_id)};
	const char *schema = contacts_extension_schema_quoted();
	FeedConfig *feed;
	Oid			relid;
	SPITupleTable *tt;
	FeedEvent	ev = {0};

	if (!contacts_catalog_has("external_id", NULL))
		return;

	/* the external ids the merge moved go back, unless mapped anew since */
	if (restore_plan == NULL)
		restore_plan = contacts_spi_prepare(psprintf("WITH mv AS (DELETE FROM %1$s.external_id_move m "
													 "  WHERE m.merge_id OPERATOR(pg_catalog.=) $1 RETURNING m.*) "
													 "UPDATE %1$s.external_id x SET key = mv.from_key, updated_at = pg_catalog.now() FROM mv "
													 "WHERE x.tbl OPERATOR(pg_catalog.=) mv.tbl AND x.system OPERATOR(pg_catalog.=) mv.system "
													 "AND x.external_id OPERATOR(pg_catalog.=) mv.external_id AND x.key OPERATOR(pg_catalog.=) mv.to_key",
													 schema), 1, argtypes, 0, true);
	contacts_spi_execute_plan(restore_plan, args, NULL, false, 0, SPI_OK_UPDATE);

	/* keys with their values as text, as merge() publishes them */
	if (contacts_spi_execute_args(psprintf("SELECT m.tbl, %2$s::pg_catalog.text, "
										   "(SELECT pg_catalog.jsonb_agg(%3$s ORDER BY k.ord) "
										   "   FROM pg_catalog.jsonb_array_elements(m.members) WITH ORDINALITY k(value, ord))::pg_catalog.text, "
										   "(SELECT pg_catalog.jsonb_agg(DISTINCT e.key)::pg_catalog.text "
										   "   FROM %1$s.merge_log_row r, pg_catalog.jsonb_each(r.before) e "
										   "  WHERE r.merge_id OPERATOR(pg_catalog.=) m.merge_id AND r.action OPERATOR(pg_catalog.=) 'update' "
										   "    AND r.tbl OPERATOR(pg_catalog.=) m.tbl "
										   "    AND e.value IS DISTINCT FROM (r.after OPERATOR(pg_catalog.->) e.key)) "
										   "FROM %1$s.merge_log m WHERE m.merge_id OPERATOR(pg_catalog.=) $1",
										   schema, text_key_sql("m.survivor"), text_key_sql("k.value")),
								  1, argtypes, args, NULL, true, 1, SPI_OK_SELECT) == 0)
		return;
	tt = SPI_tuptable;
	relid = contacts_spi_oid(tt, 0, 1);
	feed = contacts_feed_config(relid);
	if (feed == NULL)
		return;
	ev.kind = "unmerge";
	ev.key = contacts_spi_text(tt, 0, 2);
	ev.survivor = ev.key;
	ev.merged = contacts_spi_text(tt, 0, 3);
	ev.columns = contacts_spi_text(tt, 0, 4);
	if (ev.columns == NULL)
		ev.columns = "[]";
	ev.extra = psprintf(", \"merge_id\": " INT64_FORMAT, merge_id);
	feed_emit(feed, &ev);
}

/*
 * contacts.feed_import_event(import_id bigint) -> void
 *		Publish a finished import run of this transaction (import() calls it
 *		last).  Refuses a run of another transaction, so no role can make the
 *		feed repeat or invent one.
 */
PG_FUNCTION_INFO_V1(contacts_feed_import_event);
Datum
contacts_feed_import_event(PG_FUNCTION_ARGS)
{
	int64		import_id = PG_GETARG_INT64(0);
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(import_id)};
	FeedConfig *feed;
	FeedEvent	ev = {0};
	bool		isnull;
	TransactionId xmin;
	StringInfoData extra;
	SPITupleTable *tt;

	contacts_spi_connect();
	if (contacts_spi_execute_args(psprintf("SELECT r.target, r.xmin, r.finished_at IS NOT NULL, r.staging::pg_catalog.text, "
										   "r.staged, r.inserted, r.updated, r.kept, r.rejected, r.suppressed, r.on_duplicate "
										   "FROM %s.import_run r WHERE r.import_id OPERATOR(pg_catalog.=) $1",
										   contacts_extension_schema_quoted()),
								  1, argtypes, args, NULL, true, 1, SPI_OK_SELECT) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("import " INT64_FORMAT " does not exist", import_id),
				 errhint("Imports are listed in contacts.import_run.")));
	tt = SPI_tuptable;
	xmin = DatumGetTransactionId(contacts_spi_datum(tt, 0, 2, &isnull));
	if (!TransactionIdIsCurrentTransactionId(xmin) || !contacts_spi_bool(tt, 0, 3))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("import " INT64_FORMAT " was not finished by this transaction", import_id),
				 errhint("contacts.import() publishes its own runs; there is nothing to call.")));
	feed = contacts_feed_config(contacts_spi_oid(tt, 0, 1));
	if (feed != NULL)
	{
		initStringInfo(&extra);
		appendStringInfo(&extra, ", \"import_id\": " INT64_FORMAT ", \"staging\": ", import_id);
		escape_json(&extra, contacts_spi_text(tt, 0, 4));
		appendStringInfoString(&extra, ", \"on_duplicate\": ");
		escape_json(&extra, contacts_spi_text(tt, 0, 11));
		appendStringInfo(&extra, ", \"counts\": {\"staged\": %s, \"inserted\": %s, \"updated\": %s, "
						 "\"kept\": %s, \"rejected\": %s, \"suppressed\": %s}",
						 contacts_spi_text(tt, 0, 5), contacts_spi_text(tt, 0, 6),
						 contacts_spi_text(tt, 0, 7), contacts_spi_text(tt, 0, 8),
						 contacts_spi_text(tt, 0, 9), contacts_spi_text(tt, 0, 10));
		ev.kind = "import";
		ev.extra = extra.data;
		feed_emit(feed, &ev);
	}
	contacts_spi_finish();
	PG_RETURN_VOID();
}
