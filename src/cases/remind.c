/* remind.c - deadline reminders (remind.h): the pass, the channels and the thread. */
#include "cases/remind.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cases/deadline.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "store/store_cases.h"

#define MAX_DUES 100000
#define SEND_TIMEOUT_S 10L
#define MESSAGE_MAX (64 * 1024)

pi_status pi_remind_parse_leads(const char *text, int64_t *leads, size_t *n, struct pi_error *err)
{
	const char *p = text;

	*n = 0;
	while (p && *p) {
		char *end = NULL;
		long v;
		int64_t unit;
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v < 1 || v > 10000)
			return pi_error_set(err, PI_ERR_INVALID,
			        "reminder-leads: '%.32s' is not like 24h, 30m or 2d", p);
		switch (*end) {
		case 'm': unit = 60 * INT64_C(1000000); break;
		case 'h': unit = PI_US_PER_HOUR; break;
		case 'd': unit = 24 * PI_US_PER_HOUR; break;
		default:
			return pi_error_set(err, PI_ERR_INVALID,
			        "reminder-leads: '%.32s' needs a unit m, h or d", p);
		}
		if (*n >= PI_CASE_MAX_LEADS)
			return pi_error_set(err, PI_ERR_INVALID, "reminder-leads: at most %d leads",
			        PI_CASE_MAX_LEADS);
		leads[(*n)++] = v * unit;
		p = end + 1;
		if (*p == ',')
			p++;
		else if (*p)
			return pi_error_set(err, PI_ERR_INVALID,
			        "reminder-leads: separate leads with commas (24h,1h)");
	}
	for (size_t i = 0; i < *n; i++) /* sort descending */
		for (size_t j = i + 1; j < *n; j++)
			if (leads[j] > leads[i]) {
				int64_t t = leads[i];
				leads[i] = leads[j];
				leads[j] = t;
			}
	return PI_OK;
}

void pi_remind_hmac_hex(const char *secret, const void *body, size_t len, char out[65])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof(mac));
}

/* A due instance copied out of the walk. */
struct due_item {
	int64_t case_id, reporter_user, due_at;
	unsigned instance;
	char title[512], regime[72], stage[72], stage_title[256], state[32];
};

struct collect {
	struct due_item *items;
	size_t n, cap;
	int overflow;
};

static int collect_due(void *arg, const struct pi_case_due *d)
{
	struct collect *c = arg;
	struct due_item *it;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct due_item *grown;
		if (cap > MAX_DUES) {
			c->overflow = 1;
			return 1;
		}
		grown = realloc(c->items, cap * sizeof(*grown));
		if (!grown) {
			c->overflow = 1;
			return 1;
		}
		c->items = grown;
		c->cap = cap;
	}
	it = &c->items[c->n++];
	it->case_id = d->case_id;
	it->reporter_user = d->reporter_user;
	it->due_at = d->due_at;
	it->instance = d->instance;
	snprintf(it->title, sizeof(it->title), "%s", d->title);
	snprintf(it->regime, sizeof(it->regime), "%s", d->regime);
	snprintf(it->stage, sizeof(it->stage), "%s", d->stage);
	snprintf(it->stage_title, sizeof(it->stage_title), "%s", d->stage_title);
	snprintf(it->state, sizeof(it->state), "%s", d->state);
	return 0;
}

struct send_ctx {
	const struct pi_cases_config *cfg;
	const char *body;  /* JSON */
	const char *email; /* recipient address for e-mail */
	const char *subject;
	const struct due_item *due;
	int64_t now;
};

static size_t discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

static pi_status send_webhook(void *arg, struct pi_error *err)
{
	struct send_ctx *s = arg;
	CURL *curl = curl_easy_init();
	struct curl_slist *h = NULL;
	char sig[65], header[128];
	long code = 0;
	CURLcode rc;

	if (!curl)
		return pi_error_set(err, PI_ERR_NOMEM, "curl_easy_init failed");
	pi_remind_hmac_hex(s->cfg->webhook_secret, s->body, strlen(s->body), sig);
	snprintf(header, sizeof(header), "X-Postisac-Signature: sha256=%s", sig);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "X-Postisac-Event: deadline.reminder");
	h = curl_slist_append(h, header);
	curl_easy_setopt(curl, CURLOPT_URL, s->cfg->webhook_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(s->body));
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, SEND_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK)
		return pi_error_set(err, PI_ERR_IO, "webhook: %s", curl_easy_strerror(rc));
	if (code < 200 || code > 299)
		return pi_error_set(err, PI_ERR_IO, "webhook: answered HTTP %ld", code);
	return PI_OK;
}

struct mail_reader {
	const char *data;
	size_t len, pos;
};

static size_t mail_read(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct mail_reader *r = arg;
	size_t room = size * nmemb, n = r->len - r->pos;

	if (n > room)
		n = room;
	memcpy(ptr, r->data + r->pos, n);
	r->pos += n;
	return n;
}

/* Copies s without CR, LF or other control characters (no header injection). */
static void header_safe(const char *s, char *out, size_t size)
{
	size_t k = 0;

	for (; *s && k + 1 < size; s++)
		out[k++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	out[k] = '\0';
}

static pi_status send_email(void *arg, struct pi_error *err)
{
	struct send_ctx *s = arg;
	CURL *curl = curl_easy_init();
	struct curl_slist *rcpt = NULL;
	struct pi_buf msg;
	struct mail_reader reader;
	char subject[600], from[300], to[300], date[64], mid[128], due[PI_TIME_TEXT_LEN];
	time_t t = (time_t)(s->now / 1000000);
	struct tm tm;
	CURLcode rc;
	pi_status ret = PI_OK;

	if (!curl)
		return pi_error_set(err, PI_ERR_NOMEM, "curl_easy_init failed");
	pi_buf_init(&msg, MESSAGE_MAX);
	header_safe(s->subject, subject, sizeof(subject));
	header_safe(s->cfg->smtp_from, from, sizeof(from));
	header_safe(s->email, to, sizeof(to));
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(mid, sizeof(mid), "<reminder-%lld-%lld@postisac>", (long long)s->due->case_id,
	        (long long)s->now);
	pi_time_format_us(s->due->due_at, due);
	if (pi_buf_printf(&msg,
	            "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n"
	            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	            "Content-Transfer-Encoding: 8bit\r\n\r\n"
	            "Case %lld, regime %s, stage %s (%s), instance %u: %s, due %s "
	            "(UTC).\r\n\r\n%s\r\n",
	            date, from, to, subject, mid, (long long)s->due->case_id, s->due->regime,
	            s->due->stage, s->due->stage_title, s->due->instance, s->due->state, due,
	            s->body) != PI_OK) {
		ret = pi_error_set(err, PI_ERR_TOOBIG, "e-mail too big");
		goto out;
	}
	reader = (struct mail_reader){msg.data, msg.len, 0};
	rcpt = curl_slist_append(rcpt, to);
	curl_easy_setopt(curl, CURLOPT_URL, s->cfg->smtp_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, SEND_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK)
		ret = pi_error_set(err, PI_ERR_IO, "smtp: %s", curl_easy_strerror(rc));
out:
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	pi_buf_free(&msg);
	return ret;
}

/* "before-30m", "before-24h", "before-2d" (days from 48 h) for a lead in microseconds. */
static void lead_name(int64_t lead, char *out, size_t size)
{
	int64_t minutes = lead / (60 * INT64_C(1000000));

	if (minutes % (24 * 60) == 0 && minutes >= 48 * 60)
		snprintf(out, size, "before-%lldd", (long long)(minutes / (24 * 60)));
	else if (minutes % 60 == 0)
		snprintf(out, size, "before-%lldh", (long long)(minutes / 60));
	else
		snprintf(out, size, "before-%lldm", (long long)minutes);
}

static int one_channel(pi_cases *cs, struct send_ctx *ctx, const char *kind, const char *channel,
        pi_status (*send)(void *, struct pi_error *))
{
	struct pi_reminder_key key;
	struct pi_error err;
	pi_status ret;

	key.case_id = ctx->due->case_id;
	key.regime = ctx->due->regime;
	key.stage = ctx->due->stage;
	key.instance = (int)ctx->due->instance;
	key.due_at = ctx->due->due_at;
	key.kind = kind;
	key.channel = channel;
	ret = pi_store_reminder_once(pi_cases_store(cs), &key, ctx->now, send, ctx, &err);
	if (ret == PI_OK) {
		pi_log_info("event=reminder_sent case=%lld regime=%s stage=%s kind=%s channel=%s",
		        (long long)key.case_id, key.regime, key.stage, kind, channel);
		return 1;
	}
	if (ret != PI_ERR_EXISTS)
		pi_log_warn(
		        "event=reminder_failed case=%lld stage=%s kind=%s channel=%s error=\"%s\"",
		        (long long)key.case_id, key.stage, kind, channel, err.message);
	return 0;
}

pi_status pi_reminders_run(pi_cases *cs, int *sent, struct pi_error *err)
{
	const struct pi_cases_config *cfg = pi_cases_config_of(cs);
	struct collect c = {NULL, 0, 0, 0};
	int64_t leads[PI_CASE_MAX_LEADS];
	size_t nleads = 0;
	int64_t now = pi_cases_now(cs);
	int count = 0;
	pi_status ret;

	if (sent)
		*sent = 0;
	ret = pi_remind_parse_leads(cfg->reminder_leads, leads, &nleads, err);
	if (ret != PI_OK)
		return ret;
	if (!cfg->webhook_url[0] && !cfg->smtp_url[0])
		return PI_OK;
	ret = pi_cases_each_due(cs, now, collect_due, &c, err);
	if (ret == PI_OK && c.overflow)
		ret = pi_error_set(err, PI_ERR_TOOBIG, "more than %d open stages", MAX_DUES);
	for (size_t i = 0; ret == PI_OK && i < c.n; i++) {
		struct due_item *d = &c.items[i];
		struct send_ctx ctx;
		char kind[32] = "", subject[700], due[PI_TIME_TEXT_LEN], now_text[PI_TIME_TEXT_LEN];
		char *body = NULL;
		cJSON *o;
		if (now > d->due_at) {
			snprintf(kind, sizeof(kind), "overdue");
		} else {
			for (size_t k = 0; k < nleads;
			        k++) /* descending: the last match is tightest */
				if (now >= d->due_at - leads[k])
					lead_name(leads[k], kind, sizeof(kind));
		}
		if (!kind[0])
			continue;
		pi_time_format_us(d->due_at, due);
		pi_time_format_us(now, now_text);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", "deadline.reminder");
		cJSON_AddStringToObject(o, "kind", kind);
		cJSON_AddNumberToObject(o, "case", (double)d->case_id);
		cJSON_AddStringToObject(o, "case_title", d->title);
		cJSON_AddStringToObject(o, "regime", d->regime);
		cJSON_AddStringToObject(o, "stage", d->stage);
		cJSON_AddStringToObject(o, "stage_title", d->stage_title);
		cJSON_AddNumberToObject(o, "instance", d->instance);
		cJSON_AddStringToObject(o, "state", d->state);
		cJSON_AddStringToObject(o, "due_at", due);
		cJSON_AddStringToObject(o, "sent_at", now_text);
		body = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (!body) {
			ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			break;
		}
		snprintf(subject, sizeof(subject), "[postisac] %s: case %lld %s %s due %s",
		        strcmp(kind, "overdue") == 0 ? "OVERDUE" : "Reminder",
		        (long long)d->case_id, d->regime, d->stage, due);
		memset(&ctx, 0, sizeof(ctx));
		ctx.cfg = cfg;
		ctx.body = body;
		ctx.subject = subject;
		ctx.due = d;
		ctx.now = now;
		if (cfg->webhook_url[0])
			count += one_channel(cs, &ctx, kind, "webhook", send_webhook);
		if (cfg->smtp_url[0]) {
			struct pi_user u;
			struct pi_error e;
			if (pi_store_user_get(pi_cases_store(cs), d->reporter_user, &u, &e) ==
			                PI_OK &&
			        u.email[0] && !u.disabled) {
				char channel[300];
				snprintf(channel, sizeof(channel), "email:%s", u.email);
				ctx.email = u.email;
				count += one_channel(cs, &ctx, kind, channel, send_email);
			}
		}
		free(body);
	}
	free(c.items);
	if (sent)
		*sent = count;
	return ret;
}

struct pi_reminders {
	pi_cases *cs;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	bool running;
	int interval;
};

static void *reminder_thread(void *arg)
{
	struct pi_reminders *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		struct timespec until;
		struct pi_error err;
		int sent = 0;
		pthread_mutex_unlock(&r->lock);
		if (pi_reminders_run(r->cs, &sent, &err) != PI_OK)
			pi_log_warn("event=reminder_pass_failed error=\"%s\"", err.message);
		pthread_mutex_lock(&r->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += r->interval;
		while (!r->stop &&
		        pthread_cond_timedwait(&r->wake, &r->lock, &until) != ETIMEDOUT) {
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

pi_status pi_reminders_start(pi_cases *cs, pi_reminders **out, struct pi_error *err)
{
	const struct pi_cases_config *cfg = pi_cases_config_of(cs);
	struct pi_reminders *r;
	int64_t leads[PI_CASE_MAX_LEADS];
	size_t n;
	pi_status ret;

	*out = NULL;
	ret = pi_remind_parse_leads(cfg->reminder_leads, leads, &n, err);
	if (ret != PI_OK)
		return ret;
	r = calloc(1, sizeof(*r));
	if (!r)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(r);
		return pi_error_set(err, PI_ERR_INTERNAL, "curl_global_init failed");
	}
	r->cs = cs;
	r->interval = cfg->reminder_interval;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	if (r->interval > 0) {
		if (pthread_create(&r->thread, NULL, reminder_thread, r) != 0) {
			pi_reminders_stop(r);
			return pi_error_set(
			        err, PI_ERR_INTERNAL, "cannot start the reminder thread");
		}
		r->running = true;
	}
	*out = r;
	return PI_OK;
}

void pi_reminders_stop(pi_reminders *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	if (r->running)
		pthread_join(r->thread, NULL);
	curl_global_cleanup();
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	free(r);
}
