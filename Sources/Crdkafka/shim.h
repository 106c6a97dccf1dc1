// The one header Swift sees of librdkafka. rdkafka_mock.h must come after rdkafka.h.
#ifndef CRDKAFKA_SHIM_H
#define CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <sys/prctl.h>

/// Names the calling thread (Linux keeps the first 15 bytes) so `top -H` and `perf` can tell the
/// library's threads apart. `prctl` is variadic, which Swift cannot call directly.
static inline void crdkafka_name_current_thread(const char *name) {
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
#endif
