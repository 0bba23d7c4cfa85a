/*
 * remind — the reminder rules of crm-remind and the store side of a run
 * (the rules themselves, their defaults and the key of each occasion are
 * stated in man/crm-remind.1).
 *
 * A run, in order:
 *   crm_remind_new        the configuration's reminder settings checked, all
 *                         problems reported at once (status 78);
 *   crm_remind_summary_opts  what the summary must load for the rules;
 *   crm_remind_prepare    what needs the whole store: RFM segments, the
 *                         win-back threshold, the imported date columns;
 *   crm_remind_start      with crm_remind_read_ahead: matching and writing
 *                         begin as the customers are looked at;
 *   crm_remind_customer   every rule looks at one customer; proposals kept
 *                         (matched, once started);
 *   crm_remind_store      one transaction: the complaint rule over the open
 *                         tickets, then every proposal matched with the
 *                         stored reminders by key (new keys inserted,
 *                         changed reasons updated, reasons gone cancelled),
 *                         the changes made on a thread;
 *   crm_remind_due        the due list, from memory, in the list's order
 *                         (written while the changes are made, and held);
 *   crm_remind_stored     the changes committed: the list may go out.
 * crm_remind_list reads stored reminders for `crm-remind list`, and
 * crm_remind_done / crm_remind_snooze change one.
 *
 * Memory: per customer of the store its RFM segment (a byte); per proposal
 * about 100 bytes plus its key and reason; per stored reminder that can
 * still change (open, snoozed, cancelled) about 60 bytes plus its key, per
 * done one its key and a hash slot.
 */
#ifndef CRM_REMIND_H
#define CRM_REMIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "store.h"
#include "summary.h"

struct crm_stream;

enum crm_remind_priority { CRM_PRIO_URGENT, CRM_PRIO_HIGH, CRM_PRIO_NORMAL, CRM_PRIO_LOW };
/* "urgent", "high", "normal", "low" (index: enum crm_remind_priority). */
extern const char *const crm_remind_priority_names[4];

/* One reminder as the lists show it. Strings are owned by whoever made the
 * row (the run, or crm_remind_list's result). */
struct crm_remind_row {
	int64_t id;              /* the store's id: reminder_id */
	int64_t customer_id;
	const char *rule;
	const char *priority;    /* urgent, high, normal, low (or as stored) */
	const char *reason;
	const char *escalate_to; /* the addressee instead of the owner, or NULL */
	const char *status;      /* open, snoozed, done, cancelled */
	const struct crm_customer *customer; /* of the run's summary, or NULL */
	char due[16];            /* YYYY-MM-DD */
};

typedef struct crm_remind crm_remind;

/* What a run is about. */
struct crm_remind_clock {
	int64_t today;    /* the --as-of day */
	int64_t now_secs; /* seconds since 1970 of "now" (local): the SLA clock */
	const char *now;  /* now as "YYYY-MM-DD HH:MM:SS", for the rows written */
};

/* Check and resolve the configuration's reminder settings for a run whose
 * customers come with the stream columns cols[0..ncols) (none from the
 * store): cadence names, severities, own rules (parsed), date rules.
 * Every problem is reported (file:line: key: ...) before returning
 * CRM_EX_CONFIG with *out NULL; else 0 and *out (crm_remind_free). cfg
 * must outlive the result. */
int crm_remind_new(const struct crm_config *cfg, const char *const *cols, size_t ncols,
                   const struct crm_remind_clock *clock, crm_remind **out);
void crm_remind_free(crm_remind *r);

/* Fill o with what the summary must hold for the rules, the language of a
 * customer and the list (owner, contact fields, name): flags, fields and
 * extra columns. The names stay owned by r. */
void crm_remind_summary_opts(const crm_remind *r, struct crm_summary_opts *o);

/* Work out, over every customer of sum, what the rules compare with: RFM
 * segments (rfm.method, as crm-segment), the win-back threshold. Warns once
 * for a date rule whose column no customer has. Call once, before the
 * customers. */
void crm_remind_prepare(crm_remind *r, crm_summary *sum);

/* After crm_remind_read_ahead and crm_remind_prepare, before the first
 * customer: wait for the stored reminders, then match each customer's
 * proposals as they are made, and write the changes on a thread as they
 * are decided (on the store side's connection: s stays free for the
 * caller). Without a read-ahead it does nothing: crm_remind_store does it
 * all. */
void crm_remind_start(crm_remind *r, crm_summary *sum);

/* Every rule but the complaint rule over customer c (in: the stream whose
 * current row is c's, or NULL): what they propose is kept for
 * crm_remind_store. A date that cannot be read is named on stderr (the
 * customer and the value) and that rule passed over for c. */
void crm_remind_customer(crm_remind *r, crm_summary *sum, const struct crm_customer *c,
                         const struct crm_stream *in);

/* Open a second connection to s's store (crm_store_threads must have been
 * called before the store was opened) and, on a second thread, take the
 * write lock and read the stored reminders through it while the caller
 * loads the summary and runs the rules on s. crm_remind_store then works
 * on that connection. For a run over the store's customers: a stream's run
 * takes the lock only once its input has ended. Optional: without it
 * crm_remind_store does the same on s itself. */
void crm_remind_read_ahead(crm_remind *r, crm_store *s, int busy_ms);

/* The store side, one transaction (the write lock taken here unless
 * crm_remind_read_ahead took it): the
 * complaint rule over the open tickets of the selected customers
 * (selected[i] for customer i of sum), every proposal matched with the
 * stored reminders, the open and snoozed reminders of selected customers
 * (or of customers gone from the store) that nobody proposed cancelled.
 * Matching is done in memory, so the due list (crm_remind_due) is final
 * when this returns, new reminders' ids included; the changes themselves
 * are then made and committed on a thread (crm_remind_writing), and s must
 * not be used until crm_remind_stored (after crm_remind_start, s is only
 * read here, for the tickets). Fatal on store errors (nothing committed). */
void crm_remind_store(crm_remind *r, crm_store *s, crm_summary *sum, const uint8_t *selected,
                      bool quiet);
/* The changes are still being made: a list written now must be held until
 * crm_remind_stored returns (its ids are not yet in the store). */
bool crm_remind_writing(const crm_remind *r);
/* Wait for the changes to be committed (fatal if they cannot be: the
 * process exits before any list went out); summary lines ("N new
 * reminders, M cancelled") unless quiet. After crm_remind_store; a second
 * call does nothing. */
void crm_remind_stored(crm_remind *r);

/* The due list of the run: its open reminders due today or earlier and its
 * snoozed ones whose day has come, most urgent first, then by due day, then
 * by id (as crm_remind_list sorts), as pointers to its rows. Owned by r. */
size_t crm_remind_due(crm_remind *r, const struct crm_remind_row *const **rows);

/* The summary options a list of stored reminders needs: the owner, the
 * contact fields and the customers' language column. */
void crm_remind_list_opts(const struct crm_config *cfg, struct crm_summary_opts *o);
/* The customer's language as its record holds it ("" when none): the
 * column remind.language_column names, a field or else an imported column,
 * from a summary loaded with crm_remind_summary_opts or crm_remind_list_opts.
 * field is crm_remind_language_field(cfg): the field, or -1. */
int crm_remind_language_field(const struct crm_config *cfg);
const char *crm_remind_language(const crm_summary *sum, const struct crm_customer *c, int field);

/* Stored reminders with status (open, done, snoozed, cancelled, or all), in
 * the list's order (crm_remind_due's); the texts live in text. */
struct crm_remind_list {
	struct crm_remind_row *rows;
	size_t n;
	crm_buf text;
};
void crm_remind_list_read(crm_store *s, const char *status, struct crm_remind_list *out);
void crm_remind_list_free(struct crm_remind_list *l);

/* Mark reminder id done (note may be NULL) and log the follow-up as an
 * interaction at now; or snooze it until the day until (YYYY-MM-DD), which
 * must come after today (else CRM_EX_USAGE after a message). Each is one
 * transaction. Returns 0, or CRM_EX_DATAERR after a message when there is
 * no such reminder or it is neither open nor snoozed. */
int crm_remind_done(crm_store *s, int64_t id, const char *now, const char *note);
int crm_remind_snooze(crm_store *s, int64_t id, const char *until, int64_t today,
                      const char *now);

#endif
