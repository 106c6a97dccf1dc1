/// Turns a load (0…100 %) into how long a throttled container waits before its next fetch.
public protocol DelayCalculator: Sendable {
    /// The delay for `load` percent.
    func delay(forLoad load: Double) -> Duration
}

/// The seed's curve: no delay up to `allowable` %, `maxDelay` above `limit` %, and between them the quadratic
/// `y = r·(x − allowable)² + minDelay` through (`allowable`, `minDelay`) and (`limit`, `maxDelay`), in whole
/// milliseconds rounded down (as the original's `(long)` cast). With the defaults, 65 % gives 125 ms.
public struct QuadraticDelay: DelayCalculator {
    /// The load (%) up to which the delay stays `minDelay`.
    public var allowable: Double
    /// The load (%) from which the delay is `maxDelay`.
    public var limit: Double
    /// The delay at and below `allowable`.
    public var minDelay: Duration
    /// The delay at and above `limit`.
    public var maxDelay: Duration

    /// Creates the curve; the defaults are the seed's (50 %, 80 %, 0, 500 ms).
    public init(
        allowable: Double = 50, limit: Double = 80, minDelay: Duration = .zero, maxDelay: Duration = .milliseconds(500)
    ) {
        self.allowable = allowable
        self.limit = limit
        self.minDelay = minDelay
        self.maxDelay = maxDelay
    }

    public func delay(forLoad load: Double) -> Duration {
        if load > limit { return maxDelay }
        if load < allowable { return minDelay }
        let y0 = minDelay.milliseconds
        let y1 = maxDelay.milliseconds
        let r = (y1 - y0) / ((limit - allowable) * (limit - allowable))
        let y = r * (load - allowable) * (load - allowable) + y0
        return .milliseconds(Int64(y))
    }
}

/// A straight line from (`allowable`, `minDelay`) to (`limit`, `maxDelay`), flat outside.
public struct LinearDelay: DelayCalculator {
    /// The load (%) up to which the delay stays `minDelay`.
    public var allowable: Double
    /// The load (%) from which the delay is `maxDelay`.
    public var limit: Double
    /// The delay at and below `allowable`.
    public var minDelay: Duration
    /// The delay at and above `limit`.
    public var maxDelay: Duration

    /// Creates the line.
    public init(
        allowable: Double = 50, limit: Double = 80, minDelay: Duration = .zero, maxDelay: Duration = .milliseconds(500)
    ) {
        self.allowable = allowable
        self.limit = limit
        self.minDelay = minDelay
        self.maxDelay = maxDelay
    }

    public func delay(forLoad load: Double) -> Duration {
        if load >= limit { return maxDelay }
        if load <= allowable { return minDelay }
        let fraction = (load - allowable) / (limit - allowable)
        return .milliseconds(Int64(minDelay.milliseconds + fraction * (maxDelay.milliseconds - minDelay.milliseconds)))
    }
}

/// Fixed delays by threshold: the delay of the highest step whose load is reached (none below the first).
public struct StepDelay: DelayCalculator {
    /// (load %, delay) pairs.
    public var steps: [(load: Double, delay: Duration)]

    /// Creates the steps, e.g. `[(60, .milliseconds(100)), (80, .milliseconds(500))]`.
    public init(_ steps: [(load: Double, delay: Duration)]) {
        self.steps = steps.sorted { $0.load < $1.load }
    }

    public func delay(forLoad load: Double) -> Duration {
        steps.last { load >= $0.load }?.delay ?? .zero
    }
}

extension Duration {
    /// The duration in milliseconds, as a `Double`.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
