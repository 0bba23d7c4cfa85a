/*
 * reject — the reject file: every refused row, byte for byte as read.
 *
 * The file starts with the input's header line as read, with two columns
 * added, _line and _reason; each rejected record follows as its raw bytes
 * with the same two columns appended before its line end. So it opens in a
 * spreadsheet next to the original, and once corrected it can be imported
 * as it is (crm-import ignores _line and _reason). The reason is written in
 * the file's own encoding (GB18030, Big5, UTF-8; UTF-16 input is rejected as
 * UTF-8). The file is created mode 0600 on the first rejection only.
 */
#ifndef CRM_REJECT_H
#define CRM_REJECT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct crm_rejects crm_rejects;

/* A reject file at path for records from a file in encoding with delimiter;
 * header is the raw header line. Nothing is created yet. */
crm_rejects *crm_rejects_new(const char *path, const char *encoding, char delimiter,
                             const char *header, size_t header_len);
/* Start the file with a UTF-8 byte order mark, as the input had one (so
 * Excel on a Chinese Windows reads it as UTF-8). Only for UTF-8 output. */
void crm_rejects_set_bom(crm_rejects *r, bool bom);
/* Write one rejected record. Returns 0, or an exit code (73 cannot create,
 * 74 write error) after a message. */
int crm_rejects_add(crm_rejects *r, const char *raw, size_t raw_len, long line,
                    const char *reason);
/* Close; returns 0 or 74 after a message. Frees r. */
int crm_rejects_close(crm_rejects *r);
/* The path, and whether anything was written. */
const char *crm_rejects_path(const crm_rejects *r);
long crm_rejects_count(const crm_rejects *r);

#endif
