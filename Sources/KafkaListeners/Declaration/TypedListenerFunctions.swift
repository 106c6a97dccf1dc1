import KafkaClient

extension Listener {
    /// A record listener that decodes each record with `decoder` before calling `handler`.
    ///
    /// A record that does not decode makes the call throw ``DeserializationError`` (raw bytes kept); the
    /// container logs it, emits `listenerFailed` and goes on with the next record.
    public static func typed<Key, Value>(
        _ decoder: RecordDecoder<Key, Value>,
        _ handler: @escaping @Sendable (TypedRecord<Key, Value>, ListenerContext) async throws -> Void
    ) -> Listener {
        .record { record, context in try await handler(try decoder.decode(record), context) }
    }

    /// A record listener that gets each record's value decoded as `Value` (the key is not decoded).
    public static func values<Value: KafkaPayload>(
        _ type: Value.Type, _ handler: @escaping @Sendable (Value, ListenerContext) async throws -> Void
    ) -> Listener {
        .typed(RecordDecoder<KafkaBytes?, Value>()) { record, context in try await handler(record.value, context) }
    }

    /// A batch listener that gets the values of one poll's records decoded as `Value` (see ``typedBatch(_:_:)``).
    public static func valueBatches<Value: KafkaPayload>(
        _ type: Value.Type, _ handler: @escaping @Sendable ([Value], ListenerContext) async throws -> Void
    ) -> Listener {
        .typedBatch(RecordDecoder<KafkaBytes?, Value>()) { records, context in
            try await handler(records.map(\.value), context)
        }
    }

    /// A batch listener that decodes each record with `decoder` before calling `handler`.
    ///
    /// Records that decode are handed to `handler` (in order; the call is skipped if none decodes); then,
    /// if any record did not decode, the call throws ``BatchDeserializationError`` listing them with their
    /// raw bytes, which the container logs (the batch counts as processed, as for any batch failure).
    public static func typedBatch<Key, Value>(
        _ decoder: RecordDecoder<Key, Value>,
        _ handler: @escaping @Sendable ([TypedRecord<Key, Value>], ListenerContext) async throws -> Void
    ) -> Listener {
        .batch { records, context in
            var decoded: [TypedRecord<Key, Value>] = []
            decoded.reserveCapacity(records.count)
            var failures: [DeserializationError] = []
            for record in records {
                do throws(DeserializationError) { decoded.append(try decoder.decode(record)) } catch {
                    failures.append(error)
                }
            }
            if !decoded.isEmpty { try await handler(decoded, context) }
            if !failures.isEmpty { throw BatchDeserializationError(failures: failures) }
        }
    }
}

/// Records of a batch that did not decode; the batch's other records were handed to the listener.
public struct BatchDeserializationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One error per undecodable record, in batch order, each with the raw bytes.
    public var failures: [DeserializationError]

    /// Creates the error.
    public init(failures: [DeserializationError]) { self.failures = failures }

    public var description: String {
        "\(failures.count) records of the batch could not be deserialized: "
            + failures.map(\.description).joined(separator: "; ")
    }
}

/// A batch whose records do not decode will not decode on a retry: the error handler recovers it at once.
extension BatchDeserializationError: NotRetryableError {}
