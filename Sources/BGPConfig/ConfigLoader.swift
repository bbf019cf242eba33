// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import Yams

/// Turns configuration text into a validated `DaemonConfig`, or into every error found, each with
/// `file:line:column`. Unknown keys are errors.
public enum ConfigLoader {
    static let topKeys = [
        "router-id", "local-as", "listen", "neighbors", "log", "networks", "maximum-paths", "multipath-relax", "cluster-id",
        "prefix-sets", "policies", "fib", "workloads", "api", "metrics",
    ]
    static let metricsKeys = ["enabled", "address"]
    static let apiKeys = ["enabled", "socket", "mode", "group"]
    static let fibKeys = ["enabled", "table", "protocol", "metric", "keep-routes-on-exit", "stale-after", "nexthop-objects"]
    static let networkKeys = ["prefix", "communities", "large-communities", "med", "local-preference"]
    static let listenKeys = ["enabled", "addresses", "port"]
    static let neighborKeys = [
        "address", "peer-as", "port", "passive", "password", "source-address", "hold-time", "keepalive-time",
        "connect-retry", "delay-open", "tcp-user-timeout", "families", "description", "import", "export",
        "route-reflector-client", "allowas-in", "next-hop-ipv4", "next-hop-ipv6", "max-prefix", "add-path",
    ]
    static let maxPrefixKeys = ["limit", "warning", "restart-after"]
    static let logKeys = ["level", "format", "subsystems"]
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Parses and validates `text`; `file` names it in diagnostics.
    public static func load(_ text: String, file: String) throws(ConfigErrors) -> DaemonConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigErrors([ConfigDiagnostic(file: file, line: 1, column: 1, message: "the file is empty",
                    hint: "at least router-id and local-as are needed")])
            }
            root = node
        } catch let error as ConfigErrors {
            throw error
        } catch let error as YamlError {
            throw ConfigErrors([Self.diagnostic(for: error, file: file)])
        } catch {
            throw ConfigErrors([ConfigDiagnostic(file: file, line: 1, column: 1, message: "\(error)")])
        }
        let reader = ConfigReader(file: file)
        let config = parse(root, reader)
        if !reader.diagnostics.isEmpty || config == nil { throw ConfigErrors(reader.diagnostics) }
        return config!
    }

    static func diagnostic(for error: YamlError, file: String) -> ConfigDiagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = context.map { "\($0.text): \(problem)" } ?? problem
            return ConfigDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(text)")
        default:
            return ConfigDiagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    static func parse(_ root: Node, _ r: ConfigReader) -> DaemonConfig? {
        let top = r.fields(root, "the top level", allowed: topKeys)
        var routerID: RouterID?
        if let node = top["router-id"] {
            routerID = r.value(node, "router-id", expected: "an IPv4-style BGP Identifier such as 192.0.2.1") {
                RouterID($0).flatMap { $0.rawValue == 0 ? nil : $0 }
            }
        } else {
            r.error(root, "missing required key 'router-id'", hint: "add e.g. 'router-id: 192.0.2.1'")
        }
        var localAS: ASN?
        if let node = top["local-as"] {
            localAS = r.value(node, "local-as", expected: "an AS number in 1...4294967295") {
                ASN($0).flatMap { $0.rawValue == 0 ? nil : $0 }
            }
        } else {
            r.error(root, "missing required key 'local-as'", hint: "add e.g. 'local-as: 4200000001'")
        }
        var listen = ListenConfig()
        if let node = top["listen"] { listen = parseListen(node, r) }
        let prefixSets = top["prefix-sets"].map { parsePrefixSets($0, r) } ?? [:]
        let policies = top["policies"].map { parsePolicies($0, prefixSets: prefixSets, r) } ?? [:]
        var neighbors: [NeighborConfig] = []
        if let node = top["neighbors"] {
            var seen: [IPAddress: Node] = [:]
            for item in r.sequence(node, "neighbors") {
                guard let neighbor = parseNeighbor(item, policies: policies, r) else { continue }
                if neighbor.routeReflectorClient, let localAS, neighbor.peerAS != localAS {
                    r.error(item, "route-reflector-client on eBGP neighbor \(neighbor.address)", hint: "route reflection is for iBGP neighbors (peer-as = local-as)")
                }
                if seen[neighbor.address] != nil {
                    r.error(item, "neighbor \(neighbor.address) is configured twice")
                }
                seen[neighbor.address] = item
                neighbors.append(neighbor)
            }
        }
        var log = LogConfig()
        if let node = top["log"] {
            let fields = r.fields(node, "log", allowed: logKeys)
            if let n = fields["level"] {
                log.level = r.value(n, "log.level", expected: "one of \(logLevels.joined(separator: ", "))") {
                    logLevels.contains($0) ? $0 : nil
                } ?? log.level
            }
            if let n = fields["subsystems"] {
                let levels = r.fields(n, "log.subsystems", allowed: LogConfig.subsystemNames)
                for (name, value) in levels {
                    log.subsystems[name] = r.value(value, "log.subsystems.\(name)", expected: "one of \(logLevels.joined(separator: ", "))") {
                        logLevels.contains($0) ? $0 : nil
                    }
                }
            }
            if let n = fields["format"] {
                log.format = r.value(n, "log.format", expected: "text or json") { ["text", "json"].contains($0) ? $0 : nil }
                    ?? log.format
            }
        }
        var networks: [NetworkConfig] = []
        if let node = top["networks"] {
            var seen = Set<IPPrefix>()
            for item in r.sequence(node, "networks") {
                guard let network = parseNetwork(item, r) else { continue }
                if !seen.insert(network.prefix).inserted { r.error(item, "network \(network.prefix) is listed twice") }
                networks.append(network)
            }
        }
        var maximumPaths = 8
        if let node = top["maximum-paths"] { maximumPaths = r.integer(node, "maximum-paths", in: 1...64) ?? maximumPaths }
        var relax = false
        if let node = top["multipath-relax"] { relax = r.bool(node, "multipath-relax") ?? relax }
        var clusterID: RouterID?
        if let node = top["cluster-id"] {
            clusterID = r.value(node, "cluster-id", expected: "an IPv4-style identifier") { RouterID($0).flatMap { $0.rawValue == 0 ? nil : $0 } }
        }
        guard let routerID, let localAS else { return nil }
        var config = DaemonConfig(
            routerID: routerID, localAS: localAS, listen: listen, neighbors: neighbors, log: log, networks: networks,
            maximumPaths: maximumPaths, multipathRelax: relax, clusterID: clusterID)
        config.policies = policies
        if let node = top["fib"] {
            let f = r.fields(node, "fib", allowed: fibKeys)
            if let v = f["enabled"] { config.fib.enabled = r.bool(v, "fib.enabled") ?? true }
            if let v = f["table"] { config.fib.table = r.integer(v, "fib.table", in: 1...UInt32.max - 1) ?? 254 }
            if let v = f["protocol"] {
                config.fib.protocolNumber = r.value(v, "fib.protocol", expected: "a protocol number in 5...254 (not kernel, boot or static)") {
                    guard let n = UInt8($0), (5...254).contains(n) else { return nil }
                    return n
                } ?? 186
            }
            if let v = f["metric"] { config.fib.metric = r.integer(v, "fib.metric", in: 0...UInt32.max) ?? 20 }
            if let v = f["keep-routes-on-exit"] { config.fib.keepRoutesOnExit = r.bool(v, "fib.keep-routes-on-exit") ?? false }
            if let v = f["nexthop-objects"] { config.fib.nextHopObjects = r.bool(v, "fib.nexthop-objects") ?? true }
            if let v = f["stale-after"] { config.fib.staleAfter = r.duration(v, "fib.stale-after", in: .seconds(1)...Duration.seconds(3600)) ?? .seconds(30) }
        }
        if let node = top["api"] {
            let f = r.fields(node, "api", allowed: apiKeys)
            if let v = f["enabled"] { config.api.enabled = r.bool(v, "api.enabled") ?? true }
            if let v = f["socket"] {
                config.api.socket = r.value(v, "api.socket", expected: "an absolute path of at most 107 bytes") { text in
                    text.hasPrefix("/") && text.utf8.count <= 107 ? text : nil
                } ?? config.api.socket
            }
            if let v = f["mode"] {
                config.api.mode = r.value(v, "api.mode", expected: "octal permission bits such as 0660 or 0600") { text in
                    Int(text.hasPrefix("0o") ? String(text.dropFirst(2)) : text, radix: 8).flatMap { (0...0o777).contains($0) ? $0 : nil }
                } ?? config.api.mode
            }
            if let v = f["group"] {
                config.api.group = r.value(v, "api.group", expected: "a group name") { $0.isEmpty ? nil : $0 }
            }
        }
        if let node = top["metrics"] {
            let f = r.fields(node, "metrics", allowed: metricsKeys)
            if let v = f["enabled"] { config.metrics.enabled = r.bool(v, "metrics.enabled") ?? true }
            if let v = f["address"] {
                if let (host, port) = r.value(v, "metrics.address", expected: "host:port, such as 127.0.0.1:9179 or [::1]:9179", Self.hostPort) {
                    config.metrics.host = host
                    config.metrics.port = port
                }
            }
        }
        if let node = top["workloads"] {
            config.workloads = parseWorkloads(node, r)
            if config.workloads.protocols.contains(config.fib.protocolNumber) {
                r.error(node, "workloads.protocols includes \(config.fib.protocolNumber), Peerlet's own fib.protocol",
                    hint: "Peerlet's own routes are never workloads")
            }
        }
        return config
    }

    /// `10.1.2.3/24` is almost always a typo for `10.1.2.0/24` or `10.1.2.3/32`: refuse it rather than guess.
    static func checkHostBits(_ prefix: IPPrefix, _ node: Node, _ r: ConfigReader) {
        guard let text = node.scalar?.string, let address = IPAddress(text.split(separator: "/")[0]) else { return }
        let network: IPAddress = switch prefix {
        case .v4(let p): .v4(p.address)
        case .v6(let p): .v6(p.address)
        }
        if address != network { r.error(node, "\(text) has host bits set", hint: "did you mean \(prefix)?") }
    }

    static func parseNetwork(_ node: Node, _ r: ConfigReader) -> NetworkConfig? {
        // A bare prefix, or a mapping with attributes.
        if node.scalar != nil {
            guard let prefix = r.value(node, "network", expected: "a prefix such as 10.1.2.3/32 or 2001:db8::/64", { IPPrefix($0) }) else {
                return nil
            }
            checkHostBits(prefix, node, r)
            return NetworkConfig(prefix: prefix)
        }
        let f = r.fields(node, "a network", allowed: networkKeys)
        guard let prefixNode = f["prefix"] else {
            r.error(node, "network without 'prefix'")
            return nil
        }
        guard let prefix = r.value(prefixNode, "prefix", expected: "a prefix such as 10.1.2.3/32 or 2001:db8::/64", { IPPrefix($0) }) else {
            return nil
        }
        checkHostBits(prefix, prefixNode, r)
        var n = NetworkConfig(prefix: prefix)
        (n.communities, n.largeCommunities, n.med) = parseOriginAttributes(f, r)
        if let v = f["local-preference"] { n.localPreference = r.integer(v, "local-preference", in: 0...UInt32.max) }
        return n
    }

    /// `communities`, `large-communities` and `med` of a locally originated route (networks, workloads).
    static func parseOriginAttributes(_ f: [String: Node], _ r: ConfigReader) -> ([Community], [LargeCommunity], UInt32?) {
        var communities: [Community] = []
        var large: [LargeCommunity] = []
        if let v = f["communities"] {
            communities = r.sequence(v, "communities").compactMap { r.value($0, "community", expected: "ASN:value or a well-known name") { Community($0) } }
        }
        if let v = f["large-communities"] {
            large = r.sequence(v, "large-communities").compactMap {
                r.value($0, "large community", expected: "global:local1:local2") { LargeCommunity($0) }
            }
        }
        return (communities, large, f["med"].flatMap { r.integer($0, "med", in: 0...UInt32.max) })
    }

    static func parseListen(_ node: Node, _ r: ConfigReader) -> ListenConfig {
        var listen = ListenConfig()
        let fields = r.fields(node, "listen", allowed: listenKeys)
        if let n = fields["enabled"] { listen.enabled = r.bool(n, "listen.enabled") ?? listen.enabled }
        if let n = fields["port"] { listen.port = r.integer(n, "listen.port", in: 1...65535) ?? listen.port }
        if let n = fields["addresses"] {
            let items = n.scalar != nil ? [n] : r.sequence(n, "listen.addresses")
            listen.addresses = items.compactMap { r.value($0, "listen address", expected: "an IP address") { IPAddress($0) } }
        }
        return listen
    }

    static func parseNeighbor(_ node: Node, policies: [String: PolicyDefinition], _ r: ConfigReader) -> NeighborConfig? {
        let f = r.fields(node, "a neighbor", allowed: neighborKeys)
        guard let addressNode = f["address"] else {
            r.error(node, "neighbor without 'address'", hint: "every neighbor needs 'address' and 'peer-as'")
            return nil
        }
        guard let peerASNode = f["peer-as"] else {
            r.error(node, "neighbor without 'peer-as'", hint: "every neighbor needs 'address' and 'peer-as'")
            return nil
        }
        guard let address = r.value(addressNode, "neighbor address", expected: "an IPv4 or IPv6 address", { IPAddress($0) }),
            let peerAS = r.value(peerASNode, "peer-as", expected: "an AS number in 1...4294967295", {
                ASN($0).flatMap { $0.rawValue == 0 ? nil : $0 }
            })
        else { return nil }
        var n = NeighborConfig(address: address, peerAS: peerAS)
        if let v = f["port"] { n.port = r.integer(v, "port", in: 1...65535) ?? n.port }
        if let v = f["passive"] { n.passive = r.bool(v, "passive") ?? n.passive }
        if let v = f["password"] {
            // Linux TCP_MD5SIG_MAXKEYLEN is 80 octets.
            // The value is never echoed in a diagnostic.
            if let text = r.string(v, "password") {
                if 1...80 ~= text.utf8.count {
                    n.password = text
                } else {
                    r.error(v, "password must be 1 to 80 octets, this one has \(text.utf8.count)")
                }
            }
        }
        if let v = f["source-address"] {
            n.sourceAddress = r.value(v, "source-address", expected: "an IP address") { IPAddress($0) }
            if let source = n.sourceAddress, source.afi != address.afi {
                r.error(v, "source-address \(source) is not of the same family as the neighbor address \(address)")
            }
        }
        if let v = f["hold-time"] {
            // RFC 4271 §4.2: zero, or at least three seconds.
            n.holdTime = r.value(v, "hold-time", expected: "0 or a number of seconds in 3...65535") {
                guard let h = UInt16($0), h == 0 || h >= 3 else { return nil }
                return h
            } ?? n.holdTime
        }
        if let v = f["keepalive-time"] {
            n.keepaliveTime = r.integer(v, "keepalive-time", in: 1...21845)
            if let k = n.keepaliveTime, n.holdTime > 0, k >= n.holdTime {
                r.error(v, "keepalive-time \(k) must be less than hold-time \(n.holdTime)", hint: "use a third of the hold time")
            }
        }
        if let v = f["connect-retry"] {
            n.connectRetryTime = r.duration(v, "connect-retry", in: .seconds(1)...Duration.seconds(3600)) ?? n.connectRetryTime
        }
        if let v = f["delay-open"] { n.delayOpenTime = r.duration(v, "delay-open", in: .seconds(1)...Duration.seconds(240)) }
        if let v = f["tcp-user-timeout"] {
            n.tcpUserTimeout = r.duration(v, "tcp-user-timeout", in: .milliseconds(100)...Duration.seconds(3600))
        }
        if let v = f["families"] {
            let items = r.sequence(v, "families")
            n.families = items.compactMap {
                r.value($0, "family", expected: "ipv4-unicast or ipv6-unicast") { AddressFamily($0) }
            }
            if items.isEmpty { r.error(v, "families must name at least one family") }
        }
        if let v = f["description"] { n.description = r.string(v, "description") }
        for (key, keyPath) in [("import", \NeighborConfig.importPolicy), ("export", \NeighborConfig.exportPolicy)] {
            if let v = f[key] {
                let builtins = key == "export" ? "accept, reject, originated" : "accept, reject"
                n[keyPath: keyPath] = r.value(v, key, expected: "\(builtins) or the name of a policy") {
                    switch $0 {
                    case "accept": .acceptAll
                    case "reject": .rejectAll
                    case "originated" where key == "export": .originatedOnly
                    default: policies[$0] != nil ? .named($0) : nil
                    }
                }
            }
        }
        if let v = f["route-reflector-client"] {
            n.routeReflectorClient = r.bool(v, "route-reflector-client") ?? false
        }
        if let v = f["allowas-in"] { n.allowOwnAS = r.integer(v, "allowas-in", in: 0...10) ?? 0 }
        if let v = f["next-hop-ipv4"] { n.nextHopIPv4 = r.value(v, "next-hop-ipv4", expected: "an IPv4 address") { IPv4Address($0) } }
        if let v = f["next-hop-ipv6"] { n.nextHopIPv6 = r.value(v, "next-hop-ipv6", expected: "an IPv6 address") { IPv6Address($0) } }
        if let v = f["add-path"] {
            let mode = r.value(v, "add-path", expected: "receive, send or send-receive") { ["receive", "send", "send-receive"].contains($0) ? $0 : nil }
            n.addPathReceive = mode == "receive" || mode == "send-receive"
            n.addPathSend = mode == "send" || mode == "send-receive"
        }
        if let v = f["max-prefix"] {
            // `max-prefix: 1000`, or a mapping with limit, warning (percent) and restart-after (0: never).
            if v.scalar != nil {
                n.maxPrefix = r.integer(v, "max-prefix", in: 1...100_000_000).map { MaxPrefixConfig(limit: $0) }
            } else {
                let m = r.fields(v, "max-prefix", allowed: maxPrefixKeys)
                if let limitNode = m["limit"], let limit = r.integer(limitNode, "max-prefix.limit", in: 1...100_000_000) {
                    var config = MaxPrefixConfig(limit: limit)
                    if let w = m["warning"] { config.warningPercent = r.integer(w, "max-prefix.warning", in: 1...100) ?? 80 }
                    if let t = m["restart-after"] {
                        let d = r.duration(t, "max-prefix.restart-after", in: .zero...Duration.seconds(86400))
                        config.restartAfter = d == .zero ? nil : d
                    }
                    n.maxPrefix = config
                } else if m["limit"] == nil {
                    r.error(v, "max-prefix needs a limit", hint: "max-prefix: {limit: 1000, warning: 80, restart-after: 60s}")
                }
            }
        }
        return n
    }

    /// `host:port` or `[v6]:port`, the host an IP address.
    static func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard IPAddress(host) != nil else { return nil }
        return (host, port)
    }
}
