/*
 * fold.h (glue)
 *		fold() a text datum for the SQL functions that compare folded text.
 */
#ifndef CONTACTS_FOLD_H
#define CONTACTS_FOLD_H

#include "postgres.h"

/* Room on the stack for the folded form of a typical name or e-mail. */
#define CONTACTS_FOLD_STACK 512

/*
 * The folded UTF-8 form of t: in buf (cap bytes) when it fits, else
 * palloc'd.  Sets *len; the result is NUL-terminated.
 */
extern char *contacts_fold_text(text *t, char *buf, size_t cap, size_t *len);

#endif							/* CONTACTS_FOLD_H */
