#ifndef FLYWHEEL_CRDKAFKA_SHIM_H
#define FLYWHEEL_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// rd_kafka_producev is variadic and so cannot be called from Swift; this fixed-arity form can.
/// `rkt` is a topic handle of `rk` (rd_kafka_topic_new), which spares librdkafka a topic lookup per message.
/// `headers` (may be NULL) is owned by librdkafka on success and stays the caller's on failure.
static inline rd_kafka_resp_err_t flywheel_produce(rd_kafka_t *rk,
                                                   rd_kafka_topic_t *rkt,
                                                   int32_t partition,
                                                   const void *key,
                                                   size_t key_size,
                                                   const void *value,
                                                   size_t value_size,
                                                   rd_kafka_headers_t *headers,
                                                   int64_t timestamp_ms,
                                                   void *opaque) {
        return rd_kafka_producev(rk,
                                 RD_KAFKA_V_RKT(rkt),
                                 RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY((void *)key, key_size),
                                 RD_KAFKA_V_VALUE((void *)value, value_size),
                                 RD_KAFKA_V_HEADERS(headers),
                                 RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                                 RD_KAFKA_V_OPAQUE(opaque),
                                 RD_KAFKA_V_END);
}

#endif
