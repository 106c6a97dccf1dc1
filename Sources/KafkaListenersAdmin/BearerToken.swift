import Crypto
import Foundation
import Hummingbird

/// A bearer token, compared in constant time; never printed.
struct BearerToken: Sendable, CustomStringConvertible {
    /// SHA-256 of the whole expected header value, `Bearer <token>`.
    private let expectedDigest: [UInt8]

    /// The token as configured.
    ///
    /// - Throws: ``ListenerAdminServer/ConfigurationError`` for an empty or blank token, or one with characters a header
    ///   cannot carry (control characters).
    init(_ token: String) throws {
        if token.allSatisfy(\.isWhitespace) {
            throw ListenerAdminServer.ConfigurationError(
                message:
                    "the admin bearer token is empty; set a token, or leave it nil for loopback-only access without one"
            )
        }
        if token.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw ListenerAdminServer.ConfigurationError(message: "the admin bearer token contains control characters")
        }
        expectedDigest = Array(SHA256.hash(data: Array("Bearer \(token)".utf8)))
    }

    /// Whether `presented` is `Bearer <token>`: both sides are hashed first, so the comparison takes the same time
    /// whatever the length or content of what was presented.
    func accepts(authorization presented: String?) -> Bool {
        let candidate = Array(SHA256.hash(data: Array((presented ?? "").utf8)))
        return Self.constantTimeEquals(candidate, expectedDigest)
    }

    /// Byte-wise comparison of two equal-length digests without an early exit.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Never the token.
    var description: String { "BearerToken(<redacted>)" }
}

/// Refuses requests without `Authorization: Bearer <token>` (401, JSON error).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: BearerToken

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard token.accepts(authorization: request.headers[.authorization]) else {
            throw HTTPError(.unauthorized, message: "a valid bearer token is required")
        }
        return try await next(request, context)
    }
}
