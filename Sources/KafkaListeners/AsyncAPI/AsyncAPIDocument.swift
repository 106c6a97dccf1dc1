import KafkaClient

/// An AsyncAPI 3.0 document describing what an application's listeners consume: one channel per topic
/// (or pattern), one `receive` operation per listener with its Kafka binding (group id) and settings, and
/// messages with payload schemas derived from the payload types.
///
/// ```swift
/// let json = app.asyncAPI(title: "Orders service", version: "1.2.0", servers: ["production": "kafka-1:9092"])
/// ```
/// Schemas come from ``KafkaPayload/schema``: derived from `Decodable` for ``JSONPayload`` types (see
/// ``PayloadSchema/derived(from:)`` for what cannot be derived); raw listeners get an opaque-bytes message.
/// A pattern subscription becomes a channel without an address (AsyncAPI has no regular-expression
/// addresses) and the pattern in `x-kafka-topic-pattern`.
public struct AsyncAPIDocument: Sendable {
    /// The document's title.
    public var title: String
    /// The application's version.
    public var version: String
    /// Server names and their `host:port`.
    public var servers: [(name: String, host: String)]
    /// The listeners described.
    public var listeners: [DeclaredListener]

    /// Describes `listeners`.
    public init(
        title: String, version: String, servers: [(name: String, host: String)] = [], listeners: [DeclaredListener]
    ) {
        self.title = title
        self.version = version
        self.servers = servers
        self.listeners = listeners
    }

    /// The document as pretty-printed JSON (YAML readers accept it as well).
    public var json: String { node.rendered() + "\n" }

    var node: JSONNode {
        var channels: [(String, JSONNode)] = []
        var operations: [(String, JSONNode)] = []
        var messages: [(String, JSONNode)] = []
        var schemas: [(String, JSONNode)] = []

        func addMessage(_ message: MessageDescription) -> String {
            if !messages.contains(where: { $0.0 == message.name }) {
                var fields: [(String, JSONNode)] = [
                    ("name", .string(message.name)), ("contentType", .string(message.contentType)),
                ]
                let payloadRef: JSONNode
                if case .object = message.payload {
                    schemas.append((message.name, message.payload.json))
                    payloadRef = .object([("$ref", .string("#/components/schemas/\(message.name)"))])
                } else {
                    payloadRef = message.payload.json
                }
                fields.append(("payload", payloadRef))
                if let key = message.key {
                    fields.append(
                        (
                            "bindings",
                            .object([("kafka", .object([("key", key.json), ("bindingVersion", .string("0.5.0"))]))])
                        ))
                }
                messages.append((message.name, .object(fields)))
            }
            return message.name
        }

        for listener in listeners {
            let endpoint = listener.endpoint
            let described = listener.messages.isEmpty ? [Self.rawMessage] : listener.messages
            let names = described.map(addMessage)
            let messageMap = JSONNode.object(
                names.map { ($0, .object([("$ref", .string("#/components/messages/\($0)"))])) })
            var channelIds: [String] = []
            switch endpoint.selection {
            case .topics(let topics):
                for topic in topics {
                    channelIds.append(addChannel(&channels, id: topic, address: topic, extra: [], messages: messageMap))
                }
            case .partitions(let partitions):
                for topic in Set(partitions.map(\.topicPartition.topic)).sorted() {
                    channelIds.append(addChannel(&channels, id: topic, address: topic, extra: [], messages: messageMap))
                }
            case .pattern(let pattern):
                channelIds.append(
                    addChannel(
                        &channels, id: "pattern-\(endpoint.id)", address: nil,
                        extra: [("x-kafka-topic-pattern", .string(pattern))],
                        messages: messageMap))
            }
            for (index, channelId) in channelIds.enumerated() {
                let operationId = channelIds.count == 1 ? endpoint.id : "\(endpoint.id)-\(index)"
                operations.append((operationId, operation(listener, channel: channelId, messages: names)))
            }
        }
        var root: [(String, JSONNode)] = [
            ("asyncapi", .string("3.0.0")),
            ("info", .object([("title", .string(title)), ("version", .string(version))])),
        ]
        if !servers.isEmpty {
            root.append(
                (
                    "servers",
                    .object(
                        servers.map {
                            ($0.name, .object([("host", .string($0.host)), ("protocol", .string("kafka"))]))
                        })
                ))
        }
        root.append(("channels", .object(channels)))
        root.append(("operations", .object(operations)))
        var components: [(String, JSONNode)] = [("messages", .object(messages))]
        if !schemas.isEmpty { components.append(("schemas", .object(schemas))) }
        root.append(("components", .object(components)))
        return .object(root)
    }

    private static let rawMessage = MessageDescription([UInt8].self)

    private func addChannel(
        _ channels: inout [(String, JSONNode)], id: String, address: String?, extra: [(String, JSONNode)],
        messages: JSONNode
    ) -> String {
        if let index = channels.firstIndex(where: { $0.0 == id }) {
            // A topic several listeners consume: merge their messages.
            guard case .object(var fields) = channels[index].1,
                let m = fields.firstIndex(where: { $0.0 == "messages" }),
                case .object(let existing) = fields[m].1, case .object(let added) = messages
            else { return id }
            fields[m].1 = .object(existing + added.filter { new in !existing.contains { $0.0 == new.0 } })
            channels[index].1 = .object(fields)
            return id
        }
        var fields: [(String, JSONNode)] = []
        if let address { fields.append(("address", .string(address))) }
        channels.append((id, .object(fields + extra + [("messages", messages)])))
        return id
    }

    private func operation(_ listener: DeclaredListener, channel: String, messages: [String]) -> JSONNode {
        let endpoint = listener.endpoint
        return .object([
            ("action", .string("receive")),
            ("channel", .object([("$ref", .string("#/channels/\(channel)"))])),
            (
                "summary",
                .string("\(endpoint.listener.isBatch ? "Batch listener" : "Record listener") '\(endpoint.id)'")
            ),
            ("messages", .array(messages.map { .object([("$ref", .string("#/channels/\(channel)/messages/\($0)"))]) })),
            (
                "bindings",
                .object([
                    (
                        "kafka",
                        .object([
                            (
                                "groupId",
                                .object([
                                    ("type", .string("string")), ("enum", .array([.string(endpoint.effectiveGroupId)])),
                                ])
                            ),
                            ("bindingVersion", .string("0.5.0")),
                        ])
                    )
                ])
            ),
            ("x-concurrency", .integer(endpoint.concurrency)),
            ("x-ack-mode", .string(endpoint.ackMode.description)),
            ("x-batch", .bool(endpoint.listener.isBatch)),
        ])
    }
}

extension KafkaApplication {
    /// An AsyncAPI 3.0 document (JSON) describing this application's listeners.
    ///
    /// - Parameters:
    ///   - title: the document's `info.title`.
    ///   - version: the document's `info.version` (the application's version, not AsyncAPI's).
    ///   - servers: server names and `host:port`s to list (none by default).
    public func asyncAPI(title: String, version: String, servers: [(name: String, host: String)] = []) -> String {
        AsyncAPIDocument(title: title, version: version, servers: servers, listeners: listeners).json
    }
}
