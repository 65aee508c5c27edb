internal import CRdKafka
import Logging

/// Cluster administration: topics, their configs and partitions, and consumer-group offsets.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient
    private let timeout: Duration

    /// Connects, waiting as `configuration.connection.startupTimeout` says; `timeout` bounds each request.
    public init(configuration: KafkaClientConfiguration, timeout: Duration = .seconds(30), logger: Logger) async throws(KafkaError) {
        client = try RDKafkaClient(kind: .producer, properties: configuration.properties, logger: logger)
        self.timeout = timeout
        try await client.awaitBroker(policy: configuration.connection)
    }

    /// Creates the topics; returns, per topic name, nil on success or the error (`.topicAlreadyExists`, ...).
    public func createTopics(_ topics: [KafkaTopicSpecification]) async throws(KafkaError) -> [String: KafkaError?] {
        let milliseconds = Int32(timeout.milliseconds)
        let outcome: Result<[String: KafkaError?], KafkaError> = await client.runBlocking { handle in
            var errorText = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for spec in topics {
                guard let topic = rd_kafka_NewTopic_new(spec.name, Int32(spec.partitions), Int32(spec.replicationFactor), &errorText, errorText.count) else {
                    return .failure(KafkaError(code: .admin, reason: "topic \(spec.name): \(String(cBuffer: errorText))"))
                }
                newTopics.append(topic)
                for (key, value) in spec.configs.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(topic, key, value)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                        return .failure(.rd(err, code: .admin, context: "topic \(spec.name) config \(key)=\(value)"))
                    }
                }
            }
            let names = topics.map(\.name).joined(separator: ", ")
            return RDKafkaAdminRequest.run(
                handle, operation: RD_KAFKA_ADMIN_OP_CREATETOPICS, what: "creating topics \(names)",
                timeoutMilliseconds: milliseconds
            ) { options, queue in
                rd_kafka_CreateTopics(handle, &newTopics, newTopics.count, options, queue)
            } result: { event in
                var count = 0
                guard let result = rd_kafka_event_CreateTopics_result(event),
                    let topicResults = rd_kafka_CreateTopics_result_topics(result, &count)
                else { return .failure(KafkaError(code: .admin, reason: "create topics: no result")) }
                let results = RDKafkaAdminRequest.topicOutcomes(topicResults, count: count) { "cannot create topic \($0)" }
                return .success(results)
            }
        }
        return try outcome.get()
    }

    /// Creates one topic; throws `.topicAlreadyExists` when it exists.
    public func createTopic(_ topic: KafkaTopicSpecification) async throws(KafkaError) {
        if let error = try await createTopics([topic])[topic.name] ?? nil { throw error }
    }

    /// Describes the named topics (all topics when `names` is nil) from the cluster metadata.
    public func describeTopics(_ names: [String]? = nil) async throws(KafkaError) -> [KafkaTopicDescription] {
        let milliseconds = Int32(timeout.milliseconds)
        let outcome: Result<[KafkaTopicDescription], KafkaError> = await client.runBlocking { handle in
            _ = rd_kafka_poll(handle, 0)  // errors and logs queued since the last request
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(handle, 1, nil, &metadata, milliseconds)
            defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                return .failure(.rd(err, code: .admin, context: "cannot read cluster metadata"))
            }
            var descriptions: [KafkaTopicDescription] = []
            for index in 0..<Int(metadata.pointee.topic_cnt) {
                let topic = metadata.pointee.topics[index]
                let name = String(cString: topic.topic)
                guard names?.contains(name) ?? !name.hasPrefix("__") else { continue }
                if topic.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    return .failure(.rd(topic.err, code: .admin, context: "topic \(name)"))
                }
                let partitions = (0..<Int(topic.partition_cnt)).map { partitionIndex in
                    let partition = topic.partitions[partitionIndex]
                    return KafkaTopicDescription.Partition(
                        id: partition.id, leader: partition.leader,
                        replicas: (0..<Int(partition.replica_cnt)).map { partition.replicas[$0] })
                }
                descriptions.append(KafkaTopicDescription(name: name, partitions: partitions.sorted { $0.id < $1.id }))
            }
            if let names {
                let missing = Set(names).subtracting(descriptions.map(\.name))
                if let first = missing.sorted().first {
                    return .failure(KafkaError(code: .unknownTopic, reason: "topic \(first) does not exist"))
                }
            }
            return .success(descriptions.sorted { $0.name < $1.name })
        }
        return try outcome.get()
    }

    /// The configuration of the named topics as the brokers report it: per topic, every entry that has a value.
    ///
    /// Apache Kafka reports defaults too (`retention.ms` is there even when the topic never set it); some brokers
    /// (Tansu) report only the configs set on the topic. Sensitive entries, whose value is withheld, are left out.
    /// A topic the broker reports as unknown throws `.unknownTopic`.
    public func describeTopicConfigs(_ names: [String]) async throws(KafkaError) -> [String: [String: String]] {
        guard !names.isEmpty else { return [:] }
        let milliseconds = Int32(timeout.milliseconds)
        let outcome: Result<[String: [String: String]], KafkaError> = await client.runBlocking { handle in
            var resources: [OpaquePointer?] = names.map { rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, $0) }
            defer { for resource in resources where resource != nil { rd_kafka_ConfigResource_destroy(resource) } }
            if let index = resources.firstIndex(of: nil) {
                return .failure(KafkaError(code: .admin, reason: "topic \(names[index]): cannot describe its configs"))
            }
            return RDKafkaAdminRequest.run(
                handle, operation: RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
                what: "describing the configs of topics \(names.joined(separator: ", "))",
                timeoutMilliseconds: milliseconds
            ) { options, queue in
                rd_kafka_DescribeConfigs(handle, &resources, resources.count, options, queue)
            } result: { event in
                var count = 0
                guard let result = rd_kafka_event_DescribeConfigs_result(event),
                    let described = rd_kafka_DescribeConfigs_result_resources(result, &count)
                else { return .failure(KafkaError(code: .admin, reason: "describe topic configs: no result")) }
                var configs: [String: [String: String]] = [:]
                for index in 0..<count {
                    guard let resource = described[index] else { continue }
                    let name = String(cString: rd_kafka_ConfigResource_name(resource))
                    let err = rd_kafka_ConfigResource_error(resource)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                        let detail = rd_kafka_ConfigResource_error_string(resource).map { String(cString: $0) } ?? ""
                        let context = "cannot describe the configs of topic \(name) (\(detail))"
                        return .failure(.rd(err, code: .admin, context: context))
                    }
                    var entryCount = 0
                    var entries: [String: String] = [:]
                    if let list = rd_kafka_ConfigResource_configs(resource, &entryCount) {
                        for entryIndex in 0..<entryCount {
                            guard let entry = list[entryIndex], let value = rd_kafka_ConfigEntry_value(entry) else {
                                continue
                            }
                            entries[String(cString: rd_kafka_ConfigEntry_name(entry))] = String(cString: value)
                        }
                    }
                    configs[name] = entries
                }
                return .success(configs)
            }
        }
        return try outcome.get()
    }

    /// Raises existing topics' partition counts to the given totals; returns, per topic, nil on success or the error.
    ///
    /// Kafka never removes partitions: a total at or below the current count fails for that topic. New partitions
    /// change which partition a key hashes to, so records of one key written before and after may be read out of
    /// order.
    public func createPartitions(_ totals: [String: Int]) async throws(KafkaError) -> [String: KafkaError?] {
        guard !totals.isEmpty else { return [:] }
        let milliseconds = Int32(timeout.milliseconds)
        let requested = totals.sorted { $0.key < $1.key }
        let outcome: Result<[String: KafkaError?], KafkaError> = await client.runBlocking { handle in
            var errorText = [CChar](repeating: 0, count: 512)
            var newPartitions: [OpaquePointer?] = []
            defer { for request in newPartitions { rd_kafka_NewPartitions_destroy(request) } }
            for (topic, total) in requested {
                guard total > 0, let request = rd_kafka_NewPartitions_new(topic, total, &errorText, errorText.count) else {
                    let reason = "topic \(topic) partitions \(total): \(String(cBuffer: errorText))"
                    return .failure(KafkaError(code: .admin, reason: reason))
                }
                newPartitions.append(request)
            }
            let names = requested.map(\.key).joined(separator: ", ")
            return RDKafkaAdminRequest.run(
                handle, operation: RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, what: "creating partitions of topics \(names)",
                timeoutMilliseconds: milliseconds
            ) { options, queue in
                rd_kafka_CreatePartitions(handle, &newPartitions, newPartitions.count, options, queue)
            } result: { event in
                var count = 0
                guard let result = rd_kafka_event_CreatePartitions_result(event),
                    let topicResults = rd_kafka_CreatePartitions_result_topics(result, &count)
                else { return .failure(KafkaError(code: .admin, reason: "create partitions: no result")) }
                let results = RDKafkaAdminRequest.topicOutcomes(topicResults, count: count) { name in
                    "cannot raise the partitions of topic \(name) to \(totals[name] ?? 0)"
                }
                return .success(results)
            }
        }
        return try outcome.get()
    }

    /// A group's committed offsets (next offset to read); for all its partitions when `partitions` is nil.
    public func listConsumerGroupOffsets(group: String, partitions: [KafkaTopicPartition]? = nil) async throws(KafkaError)
        -> [KafkaTopicPartitionOffset]
    {
        let milliseconds = Int32(timeout.milliseconds)
        let outcome: Result<[KafkaTopicPartitionOffset], KafkaError> = await client.runBlocking { handle in
            let request: OpaquePointer?
            if let partitions {
                request = RDKafkaTopicPartitionList.with(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: -1001) }) {
                    rd_kafka_ListConsumerGroupOffsets_new(group, $0)
                }
            } else {
                request = rd_kafka_ListConsumerGroupOffsets_new(group, nil)
            }
            var requests: [OpaquePointer?] = [request]
            defer { rd_kafka_ListConsumerGroupOffsets_destroy(request) }
            return RDKafkaAdminRequest.run(
                handle, operation: RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, what: "listing offsets of group \(group)",
                timeoutMilliseconds: milliseconds
            ) { options, queue in
                rd_kafka_ListConsumerGroupOffsets(handle, &requests, 1, options, queue)
            } result: { event in
                var count = 0
                guard let result = rd_kafka_event_ListConsumerGroupOffsets_result(event),
                    let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count), count > 0
                else { return .failure(KafkaError(code: .admin, reason: "list offsets of group \(group): no result")) }
                if let error = rd_kafka_group_result_error(groups[0]) {
                    return .failure(KafkaError(
                        code: .admin, reason: "list offsets of group \(group): \(String(cString: rd_kafka_error_string(error)))",
                        librdkafkaErrorName: String(cString: rd_kafka_error_name(error))))
                }
                let list = rd_kafka_group_result_partitions(groups[0])
                if let error = RDKafkaTopicPartitionList.firstError(list, code: .admin, context: "offsets of group \(group) for") {
                    return .failure(error)
                }
                return .success(RDKafkaTopicPartitionList.read(list).sorted { $0.topicPartition < $1.topicPartition })
            }
        }
        return try outcome.get()
    }
}

/// Runs one admin request on a temporary queue and waits for its result event (on a blocking thread).
enum RDKafkaAdminRequest {
    /// Per topic of a result, nil on success or the error, in words made by `context` from the topic's name.
    static func topicOutcomes(
        _ topicResults: UnsafeMutablePointer<OpaquePointer?>, count: Int, context: (String) -> String
    ) -> [String: KafkaError?] {
        var results: [String: KafkaError?] = [:]
        for index in 0..<count {
            let topicResult = topicResults[index]
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let err = rd_kafka_topic_result_error(topicResult)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                results[name] = .some(nil)
            } else {
                let detail = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
                results[name] = .some(.rd(err, code: .admin, context: "\(context(name)) (\(detail))"))
            }
        }
        return results
    }

    static func run<Value>(
        _ handle: OpaquePointer,
        operation: rd_kafka_admin_op_t,
        what: String,
        timeoutMilliseconds: Int32,
        request: (OpaquePointer, OpaquePointer) -> Void,
        result: (OpaquePointer) -> Result<Value, KafkaError>
    ) -> Result<Value, KafkaError> {
        guard let queue = rd_kafka_queue_new(handle), let options = rd_kafka_AdminOptions_new(handle, operation) else {
            return .failure(KafkaError(code: .admin, reason: "\(what): cannot create the admin request"))
        }
        defer {
            rd_kafka_AdminOptions_destroy(options)
            rd_kafka_queue_destroy(queue)
        }
        _ = rd_kafka_poll(handle, 0)  // errors and logs queued since the last request
        var errorText = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        request(options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 1000) else {
            return .failure(KafkaError(code: .admin, reason: "\(what): no answer within \(timeoutMilliseconds) ms", isRetriable: true))
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let detail = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            return .failure(.rd(err, code: .admin, context: "\(what) failed (\(detail))"))
        }
        return result(event)
    }
}
