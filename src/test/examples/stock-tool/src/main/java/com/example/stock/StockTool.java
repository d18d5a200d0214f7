package com.example.stock;

import io.chatstream.tools.BlockingToolPool;
import io.chatstream.tools.ChatTool;
import io.chatstream.tools.ToolArguments;
import io.chatstream.tools.ToolCallContext;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * {@code stock}: how many units of an article are in stock, read from a CSV file of {@code sku,units} lines. Reading
 * a file blocks, so the work runs on the server's pool for blocking tools, never on the thread that calls
 * {@link #call}.
 */
public final class StockTool implements ChatTool {

    /** What an article number looks like; anything else is refused before the file is read. */
    private static final Pattern SKU = Pattern.compile("[A-Z0-9][A-Z0-9-]{0,19}");

    private final Path file;
    private final boolean requireUser;
    private final BlockingToolPool blocking;

    StockTool(Path file, boolean requireUser, BlockingToolPool blocking) {
        this.file = file;
        this.requireUser = requireUser;
        this.blocking = blocking;
    }

    @Override
    public String name() {
        return "stock";
    }

    @Override
    public String description() {
        return "How many units of an article are in stock, by its article number (SKU), e.g. AB-123.";
    }

    @Override
    public String parametersSchema() {
        return "{\"type\":\"object\",\"properties\":{\"sku\":{\"type\":\"string\",\"pattern\":"
                + "\"^[A-Z0-9][A-Z0-9-]{0,19}$\"}},\"required\":[\"sku\"]}";
    }

    @Override
    public CompletionStage<String> call(ToolCallContext context) {
        // the model wrote these arguments, maybe steered by a user's prompt: check them like any user input
        String sku = ToolArguments.parse(context.arguments(), Set.of("sku")).requiredString("sku", 20);
        if (!SKU.matcher(sku).matches()) {
            throw new IllegalArgumentException("'sku' must be an article number such as AB-123");
        }
        // who is asking comes from the server's authentication, never from the arguments
        if (requireUser && context.principal() == null) {
            throw new IllegalStateException("stock levels are for signed-in users only");
        }
        return blocking.submit(context, () -> lookUp(sku));
    }

    private String lookUp(String sku) throws IOException {
        try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = lines.readLine()) != null) {
                String[] cells = line.split(",", 2);
                if (cells.length == 2 && cells[0].trim().equals(sku)) {
                    return cells[1].trim() + " units of " + sku + " in stock";
                }
            }
        }
        return "no article " + sku;
    }
}
