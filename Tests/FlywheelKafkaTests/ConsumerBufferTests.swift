import Foundation
import Synchronization
import Testing

@testable import FlywheelKafka

/// The hand-over between the poll thread and the application, without a broker.
@Suite("Consumer hand-over buffer")
struct ConsumerBufferTests {
    func message(_ offset: Int64) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: "t", partition: 0, offset: offset, key: nil, value: [UInt8(offset & 0xff)])
    }

    @Test("a revocation holds the poll thread until the application asks for the event after it")
    func revocationWaitsForAcknowledgement() async throws {
        let buffer = KafkaConsumerBuffer(capacity: 100)
        buffer.push(.messages([message(0), message(1)]))
        let acknowledged = Flag()
        let revokeSequence = buffer.push(.partitionsRevoked([KafkaTopicPartition(topic: "t", partition: 0)]))!
        let (done, finished) = AsyncStream<Void>.makeStream()
        let thread = Thread {
            acknowledged.set(buffer.waitForAcknowledgement(of: revokeSequence, timeout: .seconds(20)))
            finished.finish()
        }
        thread.start()

        #expect(try await buffer.next() == .messages([message(0), message(1)]))
        #expect(try await buffer.next() == .partitionsRevoked([KafkaTopicPartition(topic: "t", partition: 0)]))
        // Handling the revocation (flushing state) happens here; the poll thread must still be waiting.
        let acknowledgedEarly = acknowledged.value
        #expect(!acknowledgedEarly)
        buffer.push(.messages([message(2)]))
        #expect(try await buffer.next() == .messages([message(2)]))
        for await _ in done {}
        let acknowledgedAtLast = acknowledged.value
        #expect(acknowledgedAtLast)
    }

    @Test("consecutive message batches reach the application as one, up to the merge limit, never across a rebalance")
    func mergesBatches() async throws {
        let buffer = KafkaConsumerBuffer(capacity: 100, mergeLimit: 3)
        for offset in 0..<4 { buffer.push(.messages([message(Int64(offset))])) }
        buffer.push(.partitionsRevoked([KafkaTopicPartition(topic: "t", partition: 0)]))
        buffer.push(.messages([message(4)]))
        #expect(try await buffer.next() == .messages([message(0), message(1), message(2)]))
        #expect(try await buffer.next() == .messages([message(3)]))
        #expect(try await buffer.next() == .partitionsRevoked([KafkaTopicPartition(topic: "t", partition: 0)]))
        #expect(try await buffer.next() == .messages([message(4)]))
        #expect(!buffer.hasBufferedEvents)
    }

    @Test("messages handed to the application are not kept in the buffer until it compacts its queue")
    func releasesTakenMessages() async throws {
        let buffer = KafkaConsumerBuffer(capacity: 1000, mergeLimit: 10)
        for offset in 0..<100 { buffer.push(.messages([message(Int64(offset))])) }
        #expect(try await buffer.next() == .messages((0..<10).map { message(Int64($0)) }))
        // Before, the ten taken batches stayed referenced (with a backlog, up to hundreds of megabytes beside the
        // application's own copies).
        #expect(buffer.heldMessages == 90)
        for _ in 0..<9 { _ = try await buffer.next() }
        #expect(buffer.heldMessages == 0)
        #expect(!buffer.hasBufferedEvents)
    }

    @Test("rebalance events are counted as they are accepted, before the application takes them; buffered partitions are known")
    func countsRebalances() async throws {
        let buffer = KafkaConsumerBuffer(capacity: 100)
        let partition = KafkaTopicPartition(topic: "t", partition: 0)
        buffer.push(.partitionsAssigned([partition]))
        buffer.push(.messages([message(0)]))
        #expect(buffer.rebalanceEvents == 1)
        #expect(buffer.bufferedPartitions == [partition])
        #expect(try await buffer.next() == .partitionsAssigned([partition]))
        #expect(try await buffer.next() == .messages([message(0)]))
        #expect(buffer.bufferedPartitions.isEmpty)
        buffer.push(.partitionsRevoked([partition]))
        #expect(buffer.rebalanceEvents == 2, "counted while the revocation still waits in the buffer")
        buffer.noteExpiredRevocation()
        #expect(buffer.expiredRevocations == 1)
    }

    @Test("the poll thread waits for room when the buffer holds its capacity in messages")
    func backPressure() async throws {
        let buffer = KafkaConsumerBuffer(capacity: 3)
        buffer.push(.messages([message(0), message(1), message(2)]))
        let (done, finished) = AsyncStream<Void>.makeStream()
        let thread = Thread {
            _ = buffer.waitForRoom()
            finished.finish()
        }
        thread.start()
        #expect(try await buffer.next() == .messages([message(0), message(1), message(2)]))
        for await _ in done {}
    }

    func message(_ offset: Int64, bytes: Int) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: "t", partition: 0, offset: offset, key: nil, value: Array(repeating: 0, count: bytes))
    }

    @Test("the poll thread also waits while the buffer holds its capacity in bytes, however few the messages", .timeLimit(.minutes(1)))
    func backPressureInBytes() async throws {
        let buffer = KafkaConsumerBuffer(capacity: 1000, capacityBytes: 3 << 20)
        buffer.push(.messages([message(0, bytes: 2 << 20)]))
        buffer.push(.messages([message(1, bytes: 1 << 20)]))
        let returned = Flag()
        let (done, finished) = AsyncStream<Void>.makeStream()
        let thread = Thread {
            _ = buffer.waitForRoom()
            returned.set(true)
            finished.finish()
        }
        thread.start()
        try await Task.sleep(for: .milliseconds(300))
        #expect(!returned.value, "two messages, 3 MiB: full")
        #expect(try await buffer.next() == .messages([message(0, bytes: 2 << 20), message(1, bytes: 1 << 20)]))
        for await _ in done {}
        #expect(returned.value)
    }

    @Test("merged batches stay within the byte limit; a batch above it comes alone")
    func mergesWithinBytes() async throws {
        let buffer = KafkaConsumerBuffer(capacity: 100, mergeLimit: 100, mergeLimitBytes: 1000)
        for (offset, size) in [400, 500, 200, 1500, 100].enumerated() { buffer.push(.messages([message(Int64(offset), bytes: size)])) }
        #expect(try await buffer.next() == .messages([message(0, bytes: 400), message(1, bytes: 500)]))
        #expect(try await buffer.next() == .messages([message(2, bytes: 200)]))
        #expect(try await buffer.next() == .messages([message(3, bytes: 1500)]))
        #expect(try await buffer.next() == .messages([message(4, bytes: 100)]))
    }

    @Test("fetched messages are split into batches of the byte limit, in order; a larger message makes a batch alone")
    func splitsByBytes() {
        let sizes = [300, 300, 300, 2000, 100, 900, 100]
        let messages = sizes.enumerated().map { message(Int64($0.offset), bytes: $0.element) }
        let batches = KafkaConsumerMessage.batches(of: messages, maxBytes: 1000)
        #expect(batches.map { $0.messages.map(\.offset) } == [[0, 1, 2], [3], [4, 5], [6]])
        #expect(batches.map(\.bytes) == [900, 2000, 1000, 100])
        #expect(KafkaConsumerMessage.batches(of: messages, maxBytes: 10_000).map(\.bytes) == [4000])
        #expect(KafkaConsumerMessage.batches(of: [], maxBytes: 1000).isEmpty)
        let headed = KafkaConsumerMessage(topic: "t", partition: 0, offset: 0, key: [1, 2], value: [3], headers: [KafkaHeader(key: "ab", value: [4, 5, 6])])
        #expect(headed.byteCount == 2 + 1 + 2 + 3)
    }

    @Test("draining hands out what is buffered, then ends; a failure ends the sequence with that error")
    func drainingAndFailure() async throws {
        let buffer = KafkaConsumerBuffer(capacity: 10)
        buffer.push(.messages([message(0)]))
        buffer.beginDraining()
        #expect(buffer.push(.messages([message(1)])) == nil)
        #expect(try await buffer.next() == .messages([message(0)]))
        #expect(try await buffer.next() == nil)

        let failing = KafkaConsumerBuffer(capacity: 10)
        failing.finish(failure: KafkaError(code: .consumer, reason: "boom", isFatal: true))
        let error = await #expect(throws: KafkaError.self) { _ = try await failing.next() }
        #expect(error?.reason == "boom")
    }
}

final class Flag: Sendable {
    private let state = Mutex(false)
    var value: Bool { state.withLock { $0 } }
    func set(_ value: Bool) { state.withLock { $0 = value } }
}
