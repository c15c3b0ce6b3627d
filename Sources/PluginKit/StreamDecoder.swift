/// Decodes one streaming response, one network read at a time. Used by one stream only.
public protocol StreamDecoder: AnyObject {
    /// `bytes` may stop anywhere, even inside a UTF-8 character: keep the remainder.
    func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws
    /// The body ended: flush what remains.
    func finish(into events: inout StreamEventSink) throws
}
