/// A listener type whose endpoint description is static, the same for every instance:
/// `static let endpoint = EndpointDescription(id: "orders", topics: "orders")`.
///
/// Conform alongside ``RecordListener``, ``BatchListener`` or ``MultiPayloadListener``; the instance
/// `endpoint` they require is then this static one.
public protocol StaticEndpoint {
    /// The listener's id, topics and settings, shared by all instances.
    static var endpoint: EndpointDescription { get }
}

extension RecordListener where Self: StaticEndpoint {
    /// The type's static endpoint.
    public var endpoint: EndpointDescription { Self.endpoint }
}

extension BatchListener where Self: StaticEndpoint {
    /// The type's static endpoint.
    public var endpoint: EndpointDescription { Self.endpoint }
}

extension MultiPayloadListener where Self: StaticEndpoint {
    /// The type's static endpoint.
    public var endpoint: EndpointDescription { Self.endpoint }
}
