/* remind.h - deadline reminders by webhook and e-mail.
 *
 * A pass (pi_reminders_run) looks at every case's open stage instances at "now" (the
 * service's clock, so the test clock drives it too) and, for each one, picks what is due:
 *   "overdue"           the instance is past its due time and not filed
 *   "before-<lead>"     now is within the tightest configured lead before the due time
 *                       (leads "24h,1h": at 20 h before, before-24h; at 30 min, before-1h)
 * and sends it on every configured channel: a webhook (POST of a JSON document with the
 * header X-Postisac-Signature: sha256=<hex HMAC-SHA256 of the body under the webhook
 * secret>) and e-mail over SMTP (libcurl) to the reporting user's address.
 *
 * Exactly once: each (case, regime, stage, instance, due time, kind, channel) is claimed
 * and sent inside one database transaction (pi_store_reminder_once); the claim commits
 * only when the send succeeded. So a reminder sent once is never sent again, across
 * passes, threads and restarts; a failed send is retried on the next pass. (A crash
 * between the remote end accepting and the commit can repeat one message: at-least-once
 * in that window, never more otherwise.)
 *
 * Thread: pi_reminders_start runs passes every reminder_interval seconds until
 * pi_reminders_stop (which wakes it and joins). Interval 0 starts no thread (passes then run
 * only through pi_reminders_run, e.g. the test endpoint). Start also initialises libcurl
 * (curl_global_init) and stop cleans it up: call both from the main thread.
 */
#ifndef PI_CASES_REMIND_H
#define PI_CASES_REMIND_H

#include <stddef.h>
#include <stdint.h>

#include "cases/case.h"
#include "core/error.h"

/* Parses "24h,1h,30m,2d" into microseconds, sorted descending, at most PI_CASE_MAX_LEADS.
 * Units: m (minutes), h (hours), d (days); values 1..10000. */
pi_status pi_remind_parse_leads(const char *text, int64_t *leads, size_t *n, struct pi_error *err);

/* Lower-case hex HMAC-SHA256 of body under secret. */
void pi_remind_hmac_hex(const char *secret, const void *body, size_t len, char out[65]);

/* One pass at the service's "now". *sent (may be NULL) gets the number of messages sent. */
pi_status pi_reminders_run(pi_cases *cases, int *sent, struct pi_error *err);

typedef struct pi_reminders pi_reminders;
pi_status pi_reminders_start(pi_cases *cases, pi_reminders **out, struct pi_error *err);
void pi_reminders_stop(pi_reminders *reminders);

#endif
