// The one header Swift sees of librdkafka. rdkafka_mock.h must come after rdkafka.h.
#ifndef CRDKAFKA_SHIM_H
#define CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
