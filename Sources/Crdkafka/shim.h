// The one header Swift sees of librdkafka. rdkafka_mock.h must come after rdkafka.h.
#ifndef CRDKAFKA_SHIM_H
#define CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#if defined(__linux__)
#include <sys/prctl.h>
#elif defined(__APPLE__)
#include <pthread.h>
#endif

/// Names the calling thread (Linux keeps the first 15 bytes) so `top -H` and `perf` can tell the
/// library's threads apart. `prctl` is variadic, which Swift cannot call directly. Elsewhere it does nothing.
static inline void crdkafka_name_current_thread(const char *name) {
#if defined(__linux__)
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
#elif defined(__APPLE__)
    pthread_setname_np(name);
#else
    (void)name;
#endif
}

/// The start of librdkafka 2.0.2's private `rd_kafka_msg_t` (src/rdkafka_msg.h), whose first field is the
/// public `rd_kafka_message_t` of every consumed message. Read only through `crdkafka_wire_headers`.
typedef struct crdkafka_msg_2_0_2 {
    rd_kafka_message_t rkmessage;
    void *link[2];                  /* TAILQ_ENTRY rkm_link */
    int flags;
    rd_kafka_timestamp_type_t tstype;
    int64_t timestamp;
    void *headers;                  /* parsed headers, once rd_kafka_message_headers ran */
    int status;                     /* rd_kafka_msg_status_t */
    int32_t broker_id;
    int32_t binhdrs_len;            /* rkm_u.consumer.binhdrs: the record's unparsed headers */
    const unsigned char *binhdrs_data;
} crdkafka_msg_2_0_2;

/// Finds the unparsed headers of a consumed record in the fetched bytes, so they can be read without the
/// buffer and list `rd_kafka_message_headers` allocates for every v2 record (even one without headers).
///
/// Call only on librdkafka 2.0.2 (the layout above), with `timestamp` from `rd_kafka_message_timestamp`.
/// Returns 1 and sets `data`/`length` only when the layout proves itself on this message: the private
/// timestamp equals the public one and the headers start right after the value, where a v2 record keeps
/// them. Returns 0 otherwise (an error, a null or empty value, headers already parsed, an older record
/// format): the caller then uses the public API.
static inline int crdkafka_wire_headers(
    const rd_kafka_message_t *message, int64_t timestamp, const unsigned char **data, size_t *length) {
    const crdkafka_msg_2_0_2 *rkm = (const crdkafka_msg_2_0_2 *)message;
    if (message->err || message->payload == NULL || rkm->headers != NULL || rkm->timestamp != timestamp ||
        rkm->binhdrs_len <= 0 || rkm->binhdrs_data != (const unsigned char *)message->payload + message->len)
        return 0;
    *data = rkm->binhdrs_data;
    *length = (size_t)rkm->binhdrs_len;
    return 1;
}
#endif
