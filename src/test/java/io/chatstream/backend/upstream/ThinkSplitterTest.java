package io.chatstream.backend.upstream;

import io.chatstream.backend.testing.RecordingSink;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ThinkSplitterTest {

    private final RecordingSink sink = new RecordingSink();
    private final ThinkSplitter splitter = new ThinkSplitter(sink);

    @Test
    void contentWithoutBlockPassesThroughExactly() {
        splitter.accept("\n\nHello");
        splitter.accept(" <think> is a tag");
        splitter.flush();
        sink.assertChunk("\n\nHello");
        sink.assertChunk(" <think> is a tag");
        sink.assertExhausted();
    }

    @Test
    void blockInOnePiece() {
        splitter.accept("<think>pondering</think>\n\nAnswer");
        sink.assertReasoning("pondering");
        sink.assertChunk("Answer");
        sink.assertExhausted();
    }

    @Test
    void tagsSplitAcrossPieces() {
        for (String piece : List.of("<thi", "nk>\nThe user greets", " me.</th", "ink>", "\n\n", "Hel", "lo!")) {
            splitter.accept(piece);
        }
        splitter.flush();
        sink.assertReasoning("\nThe user greets");
        sink.assertReasoning(" me.");
        sink.assertChunk("Hello!".substring(0, 3));
        sink.assertChunk("lo!");
        sink.assertExhausted();
    }

    @Test
    void oneCharacterAtATimeKeepsEveryCharacter() {
        String content = "  <think>想一想 😀 a<b</thinking? no</think>  答案：你好 👋";
        content.codePoints().forEach(c -> splitter.accept(new String(Character.toChars(c))));
        splitter.flush();
        RecordingSink.Reply reply = collect();
        assertEquals("想一想 😀 a<b</thinking? no", reply.reasoning());
        assertEquals("答案：你好 👋", reply.answer());
    }

    @Test
    void partialOpeningTagThatIsNotOneIsAnswer() {
        splitter.accept("<thi");
        sink.assertExhausted();
        splitter.accept("s is fine");
        sink.assertChunk("<this is fine");
    }

    @Test
    void partialOpeningTagAtTheEndIsFlushedAsAnswer() {
        splitter.accept("<th");
        splitter.flush();
        sink.assertChunk("<th");
    }

    @Test
    void unclosedBlockIsAllReasoning() {
        splitter.accept("<think>still thinking</thi");
        splitter.flush();
        sink.assertReasoning("still thinking");
        sink.assertReasoning("</thi");
    }

    @Test
    void onlyTheLeadingBlockCounts() {
        splitter.accept("Answer first <think>not reasoning</think>");
        sink.assertChunk("Answer first <think>not reasoning</think>");
    }

    @Test
    void stripThinkingRemovesBlocksForMessagesSentBack() {
        assertEquals("Answer", ThinkSplitter.stripThinking("<think>\nsecret\n</think>\n\nAnswer"));
        assertEquals("A B", ThinkSplitter.stripThinking("A <think>x</think>B"));
        assertEquals("A ", ThinkSplitter.stripThinking("A <think>never closed\n"));
        assertEquals("plain", ThinkSplitter.stripThinking("plain"));
    }

    private RecordingSink.Reply collect() {
        sink.end(io.chatstream.event.FinishReason.STOP, null);
        return sink.awaitReply();
    }
}
