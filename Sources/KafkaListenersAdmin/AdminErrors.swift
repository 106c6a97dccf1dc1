import Foundation
import Hummingbird
import Logging

/// Turns every error a route, a middleware or the router throws into a JSON body `{"error":{"message":"…"}}`:
/// an `HTTPError` keeps its status and message (its status's reason phrase when it has none, such as an unknown
/// route's 404), any other error becomes a 500 whose message reveals nothing of the error (it is logged instead).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return try HTTPError(error.status, headers: error.headers, message: error.body ?? error.status.reasonPhrase)
                .response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let message = "\(error.status.reasonPhrase)"
            return try HTTPError(error.status, message: message).response(from: request, context: context)
        } catch {
            logger.error("admin request \(request.method) \(request.uri.path.prefix(200)) failed: \(error)")
            return try HTTPError(.internalServerError, message: "internal error").response(
                from: request, context: context)
        }
    }
}
