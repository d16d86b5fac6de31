/*
 * yesno.h
 *		Yes and no in people's words, as consent and boolean columns of
 *		spreadsheets hold them.
 *
 * Yes: sí, si, s, x, ✓, yes, y, 1, true, t, verdadero, acepto, ok, sim,
 * verdadeiro, aceito.  No: no, n, 0, false, f, falso, não (nao).  Case and
 * accents do not matter (the words are compared folded, see fold.h), nor do
 * surrounding spaces and a final period or exclamation mark.  A caller adds
 * words of its own (a table's "Autorizo", "Consiento").  Anything else is
 * unreadable: never taken for yes.
 */
#ifndef CT_YESNO_H
#define CT_YESNO_H

#include <stddef.h>

#include "ct_alloc.h"
#include "ct_reason.h"

typedef enum CtYesNo
{
	CT_YESNO_UNREADABLE = -1,
	CT_YESNO_NO = 0,
	CT_YESNO_YES = 1
} CtYesNo;

extern const CtReason ct_consent_unreadable;
extern const CtReason ct_boolean_unreadable;

/*
 * Read len bytes of UTF-8 at s as yes or no.  extra_yes and extra_no (n_yes
 * and n_no NUL-terminated UTF-8 words, either may be NULL when its count is
 * 0) are words of the caller's that mean yes and no too.  alloc provides
 * scratch memory for folding long non-Latin text only.
 */
extern CtYesNo ct_yesno(const char *s, size_t len,
						const char *const *extra_yes, int n_yes,
						const char *const *extra_no, int n_no,
						const CtAllocator *alloc);

#endif							/* CT_YESNO_H */
