/*
 * merge.h
 *		Shared pieces of merge (merge.c), unmerge (unmerge.c), the foreign key
 *		walk (merge_fk.c) and survivorship rule resolution (merge_rules.c).
 *
 * Rows travel between the steps as jsonb images (to_jsonb(row)) in their
 * JSON text form, and typed values are recovered in SQL with
 * jsonb_populate_record(NULL::tbl, image): this keeps every statement
 * independent of the column types and makes the audit log a faithful,
 * restorable copy of each row.
 */
#ifndef CONTACTS_MERGE_H
#define CONTACTS_MERGE_H

#include "postgres.h"

#include "spi_util.h"

#include "core/survivorship.h"

/* Most tables a foreign key chain is followed through when resolving conflicts. */
#define MERGE_MAX_DEPTH 16

typedef struct MergeColumn
{
	char	   *name;			/* attname */
	char	   *qname;			/* quoted attname */
	Oid			type;
	AttrNumber	attnum;
	bool		generated;		/* GENERATED ALWAYS AS (...) STORED: never written */
	bool		identity_always;	/* GENERATED ALWAYS AS IDENTITY: not merged */
} MergeColumn;

typedef struct MergeTable
{
	Oid			relid;
	char	   *qname;			/* schema-qualified, quoted */
	char	   *display;		/* for messages: the schema-qualified name */
	int			ncols;
	MergeColumn *cols;			/* live columns in attnum order */
	int			npk;
	int		   *pk;				/* indexes into cols of the primary key */
	bool		by_key;			/* a Citus table: rows one at a time by key
								 * (merge_keyed.c) */
} MergeTable;

/* One survivorship decision for a non-key column. */
typedef enum MergeValidator
{
	MERGE_VALID_NONE,
	MERGE_VALID_EMAIL,
	MERGE_VALID_PHONE
} MergeValidator;

typedef struct MergeRule
{
	int			col;			/* index into MergeTable.cols */
	CtSurvRule	rule;
	MergeValidator validator;	/* for CT_SURV_FIRST_VALID */
	const char *source;			/* "default", "table" or "call" */
} MergeRule;

/* What a merge keeps of merged-away identities (merge_alternates.c). */
typedef struct MergeAlternates
{
	Oid			relid;
	char	   *key_name;		/* contacts.configure's key column */
	int			key_col;		/* its index into cols */
	int			ncols;			/* columns of kind email, phone, national_id */
	int		   *cols;
	char	  **col_kind;
	int			array_col[3];	/* per kind (email, phone, national_id): array column, or -1 */
	bool		any_array;
	bool		lock;			/* the entry trigger checks duplicates: lock moved values */
	char	   *collect_sql;
} MergeAlternates;

typedef struct MergePlan
{
	MergeTable *table;
	int			nrules;
	MergeRule  *rules;			/* every column but the key, generated and soft-delete ones */
	int			updated_at_col; /* index into cols, or -1 */
	int			soft_delete_col;	/* index into cols, or -1 */
} MergePlan;

/* merge_table.c */
extern MergeTable *merge_table_open(Oid relid, bool require_pk);
extern int	merge_table_column(const MergeTable *t, const char *name);
extern bool merge_table_has_pk_column(const MergeTable *t, int col);
extern char *merge_column_list(const MergeTable *t, const int *cols, int n,
							   const char *prefix);
extern char *merge_pk_list(const MergeTable *t, const char *prefix);
extern char *merge_key_equality(const MergeTable *t, const char *left, const char *right);
extern Datum merge_text_array(char *const *items, int n);
extern char **merge_pk_column_names(const MergeTable *t);
extern Datum merge_pk_names(const MergeTable *t);
extern char *merge_row_identity(const MergeTable *t, const char *image);
extern List *merge_json_elements(const char *array);
extern int	merge_spi(const char *sql, int nargs, const Oid *argtypes,
					  const Datum *values, const char *nulls, bool read_only);
extern uint64 merge_cache_generation(void);

/* merge_keyed.c */
extern int	merge_keyed_select(const MergeTable *t, const char *row_json, const char *columns,
							   bool for_update);
extern int	merge_keyed_select_where(const MergeTable *t, const int *cols, char *const *json_names, int n,
									 const char *row_json, const char *columns, bool for_update);
extern char *merge_keyed_image(const MergeTable *t, const char *row_json);
extern int	merge_keyed_delete(const MergeTable *t, const char *row_json);
extern int	merge_keyed_update(const MergeTable *t, const char *row_json, const char *image,
							   const int *cols, int ncols);
extern int	merge_insert_image(const MergeTable *t, const char *image);
extern char *merge_keyed_move(const MergeTable *t, const char *image, const char *new_image);
extern void merge_keyed_log(int64 merge_id, Oid relid, const char *action, const char *before,
							const char *after);

/* merge_rules.c */
extern MergePlan *merge_plan_build(MergeTable *t, const char *call_rules);

/* merge_alternates.c */
extern MergeAlternates *merge_alternates_plan(MergeTable *t);
extern void merge_alternates_collect(MergeAlternates *alt, const char *member_images,
									 const char *survivor_image, Datum *per_kind);
extern void merge_alternates_lock(MergeAlternates *alt, const Datum *per_kind);
extern void merge_alternates_store(MergeAlternates *alt, int64 merge_id,
								   const char *survivor_image, const Datum *per_kind);
extern void merge_alternates_remove(int64 merge_id);

/* merge_fk.c */
extern List *merge_self_reference_columns(Oid relid);
extern void merge_check_references(Oid parent);
extern void merge_repoint_references(int64 merge_id, Oid parent,
									 const char *from_images,
									 const char *to_image, int depth);

/* A relcache entry was invalidated: catalog facts cached by merges are stale. */
extern void merge_cache_invalidate(Oid relid);

#endif							/* CONTACTS_MERGE_H */
