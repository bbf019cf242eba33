// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import Yams

/// Turns configuration text into a validated `DaemonConfig`, or into every error found, each with
/// `file:line:column`. Unknown keys are errors.
public enum ConfigLoader {
    static let topKeys = ["router-id", "local-as", "listen", "neighbors", "log"]
    static let listenKeys = ["enabled", "addresses", "port"]
    static let neighborKeys = [
        "address", "peer-as", "port", "passive", "password", "source-address", "hold-time", "keepalive-time",
        "connect-retry", "delay-open", "tcp-user-timeout", "families", "description",
    ]
    static let logKeys = ["level", "format"]
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
        var neighbors: [NeighborConfig] = []
        if let node = top["neighbors"] {
            var seen: [IPAddress: Node] = [:]
            for item in r.sequence(node, "neighbors") {
                guard let neighbor = parseNeighbor(item, r) else { continue }
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
            if let n = fields["format"] {
                log.format = r.value(n, "log.format", expected: "text or json") { ["text", "json"].contains($0) ? $0 : nil }
                    ?? log.format
            }
        }
        guard let routerID, let localAS else { return nil }
        return DaemonConfig(routerID: routerID, localAS: localAS, listen: listen, neighbors: neighbors, log: log)
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

    static func parseNeighbor(_ node: Node, _ r: ConfigReader) -> NeighborConfig? {
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
        return n
    }
}
