package io.chatstream.store;

import java.util.List;

/** One page of an owner's conversations, most recently active first; {@code next} is null on the last page. */
public record ConversationPage(List<Conversation> conversations, Cursor next) {

    public ConversationPage {
        conversations = List.copyOf(conversations);
    }
}
