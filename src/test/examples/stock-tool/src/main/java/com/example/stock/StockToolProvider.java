package com.example.stock;

import io.chatstream.config.Settings;
import io.chatstream.tools.ChatTool;
import io.chatstream.tools.ChatToolProvider;
import io.chatstream.tools.ToolContext;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code chat.tools=stock}: the {@link StockTool}. Settings: {@code chat.stock.file}, the CSV file of
 * {@code sku,units} lines (required, readable); {@code chat.stock.require-user} ({@code false}): answer only replies
 * of an authenticated principal.
 */
public final class StockToolProvider implements ChatToolProvider {

    @Override
    public String name() {
        return "stock";
    }

    @Override
    public ChatTool create(ToolContext context) {
        Settings s = context.settings();
        String file = s.string("chat.stock.file", "");
        if (file.isEmpty() || !Files.isReadable(Path.of(file))) {
            throw s.invalid("chat.stock.file", "the path of a readable CSV file of sku,units lines");
        }
        return new StockTool(Path.of(file), s.bool("chat.stock.require-user", false), context.blocking());
    }
}
