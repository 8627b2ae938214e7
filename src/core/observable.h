/* observable.h - one normal form per observable value, shared by the hub and the log scanner.
 *
 * The hub indexes values from patterns and cyber-observable objects in this form and the
 * scanner looks up values it extracts from logs in the same form, so "BÜCHER.example.",
 * "bücher.example" and "xn--bcher-kva.example" are one key. The scanner calls this millions
 * of times a second: nothing here allocates, except IDNA conversion of names that contain
 * non-ASCII characters or xn-- labels (libidn2 allocates internally); the caller provides
 * the output buffer. Pass err = NULL on hot paths: the reason is then not formatted.
 *
 * Normal forms (invalid input is refused with PI_ERR_INVALID and a reason, never guessed):
 *   IPV4        dotted quad "192.0.2.1"; leading zeros ("010.0.0.1"), fewer or more than four
 *               parts and values over 255 are refused.
 *   IPV6        RFC 5952: lower case, no leading zeros, the longest run of two or more zero
 *               groups as "::" (the first on a tie); IPv4-mapped addresses as "::ffff:1.2.3.4".
 *               Zone ids ("%eth0") and brackets are refused. Accepts every RFC 4291 form.
 *   IPV4_CIDR,  "network/prefix". Host bits are MASKED (192.168.0.1/24 -> 192.168.0.0/24),
 *   IPV6_CIDR   because STIX content, the OASIS examples included, writes blocks that way;
 *               PI_OBSERVABLE_STRICT_CIDR refuses them instead. A bare address is a full-length
 *               block, and a full-length block is written as the bare address, so the CIDR
 *               form of one address equals its IPV4 / IPV6 form. Prefix 0-32 / 0-128, no
 *               leading zeros.
 *   DOMAIN      lower case, one trailing dot removed, labels 1-63 letters/digits/hyphens not
 *               starting or ending with '-', total at most 253, not all-numeric at the top;
 *               Unicode names become IDNA A-labels (libidn2, UTS #46 non-transitional), and
 *               xn-- labels must be valid punycode; '--' in positions 3-4 only as "xn--".
 *   URL         scheme://[userinfo@]host[:port][path][?query][#fragment] with the scheme and
 *               host lower-cased, the host normalised as a DOMAIN, an IPv4 address or a
 *               bracketed IPv6 address, the default port (http 80, https 443, ftp 21, ws 80,
 *               wss 443) and an empty port removed, an empty path made "/"; everything else
 *               kept byte for byte. URLs without "//" authority, with spaces or control
 *               characters are refused.
 *   EMAIL       local@domain: the local part kept as written (1-64 characters, dot-atom or
 *               quoted), the domain normalised as a DOMAIN; at most 254 characters.
 *   MD5, SHA1,  exactly 32 / 40 / 64 / 128 hex digits, lower-cased.
 *   SHA256, SHA512
 *   PHONE       E.164 "+<8-15 digits>". Spaces, '-', '.', '/', '(' and ')' are ignored; a
 *               leading "+" or "00" introduces the country code; a number without either
 *               needs options->default_calling_code, and then loses one leading trunk '0'
 *               (kept for Italy, +39). Letters and extensions are refused.
 *   SMS_SENDER  an alphanumeric sender id (1-11 letters, digits, spaces, '-', '.', with at
 *               least one letter) in lower case; a short code of 3-8 digits as digits; any
 *               other number as PHONE.
 */
#ifndef PI_CORE_OBSERVABLE_H
#define PI_CORE_OBSERVABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Largest input accepted (URLs are the longest) and an output buffer that always fits. */
#define PI_OBSERVABLE_MAX_INPUT 8192
#define PI_OBSERVABLE_MAX_OUTPUT (PI_OBSERVABLE_MAX_INPUT + 64)
#define PI_DOMAIN_MAX 253

enum pi_observable_kind {
	PI_OBSERVABLE_NONE = 0,
	PI_OBSERVABLE_IPV4,
	PI_OBSERVABLE_IPV6,
	PI_OBSERVABLE_IPV4_CIDR,
	PI_OBSERVABLE_IPV6_CIDR,
	PI_OBSERVABLE_DOMAIN,
	PI_OBSERVABLE_URL,
	PI_OBSERVABLE_EMAIL,
	PI_OBSERVABLE_MD5,
	PI_OBSERVABLE_SHA1,
	PI_OBSERVABLE_SHA256,
	PI_OBSERVABLE_SHA512,
	PI_OBSERVABLE_PHONE,
	PI_OBSERVABLE_SMS_SENDER
};

enum pi_observable_flags {
	PI_OBSERVABLE_STRICT_CIDR = 1 /* refuse CIDR blocks with host bits set */
};

struct pi_observable_options {
	unsigned flags;                /* enum pi_observable_flags */
	unsigned default_calling_code; /* for PHONE / SMS_SENDER numbers without "+": 1-999, 0 none
	                                */
};

/* Normalises in[0..len) as kind into out (out_size bytes, NUL-terminated on success;
 * PI_OBSERVABLE_MAX_OUTPUT always fits). options may be NULL. *out_len (may be NULL) gets the
 * length. Errors: PI_ERR_INVALID with the reason, PI_ERR_TOOBIG when the input is over
 * PI_OBSERVABLE_MAX_INPUT or out is too small, PI_ERR_NOMEM if libidn2 runs out of memory.
 * Thread-safe; allocates only inside libidn2 for non-ASCII or xn-- names. */
pi_status pi_observable_normalize(enum pi_observable_kind kind, const char *in, size_t len,
        const struct pi_observable_options *options, char *out, size_t out_size, size_t *out_len,
        struct pi_error *err);

/* Parses an IPv4 or IPv6 address (same rules as above, no prefix) into 16 bytes in network
 * order (IPv4 in addr[0..3]); *family is 4 or 6. For the scanner's CIDR matching. */
pi_status pi_observable_ip_parse(
        const char *in, size_t len, uint8_t addr[16], int *family, struct pi_error *err);

/* The kind a STIX pattern comparison pins, from its object type and canonical path as
 * pi_pattern_each_term reports them; PI_OBSERVABLE_NONE for anything else:
 *   ipv4-addr:value -> IPV4_CIDR, ipv6-addr:value -> IPV6_CIDR, domain-name:value -> DOMAIN,
 *   url:value -> URL, email-addr:value and email-message:{from,sender}_ref.value,
 *   email-message:{to,cc,bcc}_refs[*].value -> EMAIL,
 *   file: or artifact:hashes.MD5 / 'SHA-1' / 'SHA-256' / 'SHA-512' (also written SHA256 ...,
 *   any case) -> MD5 / SHA1 / SHA256 / SHA512,
 *   x-phone-number:value and phone-number:value -> PHONE (no STIX 2.1 object exists; we use
 *   a custom "x-phone-number" object with a "value" property, the shape of the spec's
 *   ipv4-addr), x-sms-sender:value and x-sms-message:sender -> SMS_SENDER. */
enum pi_observable_kind pi_observable_kind_for_term(const char *object_type, const char *path);

/* "ipv4", "ipv6", "ipv4-cidr", "ipv6-cidr", "domain", "url", "email", "md5", "sha1",
 * "sha256", "sha512", "phone", "sms-sender"; "none" for NONE. And back (NONE if unknown). */
const char *pi_observable_kind_name(enum pi_observable_kind kind);
enum pi_observable_kind pi_observable_kind_from_name(const char *name);

/* Steps through a normalised domain's parents without allocating: returns a pointer into
 * domain just past its first label, or NULL when that would leave a single label (a
 * top-level domain, which is never a parent worth matching). Public suffixes such as co.uk
 * are not known here: "a.b.example.co.uk" yields b.example.co.uk, example.co.uk, co.uk.
 *   for (const char *d = pi_domain_parent(name); d; d = pi_domain_parent(d)) ... */
const char *pi_domain_parent(const char *domain);

#endif
