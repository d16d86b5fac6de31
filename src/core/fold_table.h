/*
 * fold_table.h
 *		The precomputed folds of Latin letters, combining marks and common
 *		punctuation (generated into fold_table.c by tools/gen_fold_table.c).
 *
 * For a code point cp inside ct_fold_ranges[r], its folded form (before
 * whitespace collapsing) is the ct_fold_length[i] bytes at
 * ct_fold_pool + ct_fold_offset[i], with i = ct_fold_ranges[r].index +
 * (cp - ct_fold_ranges[r].first).
 */
#ifndef CT_FOLD_TABLE_H
#define CT_FOLD_TABLE_H

typedef struct CtFoldRange
{
	unsigned int first;
	unsigned int last;
	unsigned int index;
} CtFoldRange;

extern const CtFoldRange ct_fold_ranges[];
extern const int ct_fold_nranges;
extern const unsigned short ct_fold_offset[];
extern const unsigned char ct_fold_length[];
extern const char ct_fold_pool[];

/* ICU and Unicode versions the table was generated with. */
extern const char ct_fold_table_icu_version[];
extern const char ct_fold_table_unicode_version[];

#endif							/* CT_FOLD_TABLE_H */
