/* escape.h - text from elsewhere made safe for a terminal. A control reply
 * quotes what clients sent (an unknown command's name), and the socket at a
 * path may not be frameshift's at all: its strings could otherwise carry
 * escape sequences that clear the screen, move the cursor or retitle the
 * window of whoever reads them. */
#ifndef FRAMESHIFT_LIB_ESCAPE_H
#define FRAMESHIFT_LIB_ESCAPE_H

#include <stdbool.h>

#include <json-c/json.h>

/* s with every C0 control, DEL, C1 control (U+0080-U+009F) and byte that is
 * not UTF-8 written as \xHH; other UTF-8 characters are kept. With json, s
 * is JSON text as json-c writes it, which escapes C0 in strings itself and
 * uses newlines for layout: then C0 is kept and the rest is written as
 * \u00XX (a C1 control's two bytes as one), so the JSON still means the
 * same. malloc'd; NULL if out of memory. */
char *escape_controls(const char *s, bool json);

/* A copy of o with every string, object keys too, escaped as above (not
 * json); NULL if out of memory. */
struct json_object *json_escaped_copy(struct json_object *o);

#endif
