package io.chatstream.models;

import io.chatstream.wire.ByteSink;
import io.chatstream.wire.EventJson;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One answer of {@code GET /api/models}, immutable, with its JSON body made once:
 * <pre>
 * {"models":[{"id":"gpt-4o-mini","default":true},{"id":"gpt-4o","default":false}]}
 * </pre>
 * The backend's default model comes first, marked {@code default: true}, whether or not the provider's list names it:
 * it is what a request without {@code model} gets, so a picker must be able to show it (a provider may list it under
 * an alias, or on a later page of a list it cuts short). The provider's models follow in the provider's order,
 * without blanks or repeats, at most {@link #MAX_MODELS} in all.
 */
public final class ModelList {

    /** One model of the list. */
    public record Model(String id, boolean isDefault) {
    }

    /** The most models one answer holds: a provider's list is data from outside, and the page shows it whole. */
    public static final int MAX_MODELS = 1000;

    private final List<Model> models;
    private final byte[] json;

    private ModelList(List<Model> models) {
        this.models = List.copyOf(models);
        this.json = encode(this.models);
    }

    /**
     * The list for {@code ids}, the provider's own, and {@code defaultModel}, the backend's (null or blank: none).
     */
    public static ModelList of(List<String> ids, String defaultModel) {
        Set<String> seen = new LinkedHashSet<>();
        boolean hasDefault = defaultModel != null && !defaultModel.isBlank();
        if (hasDefault) {
            seen.add(defaultModel);
        }
        for (String id : ids) {
            if (seen.size() >= MAX_MODELS) {
                break;
            }
            if (id != null && !id.isBlank()) {
                seen.add(id);
            }
        }
        List<Model> models = new ArrayList<>(seen.size());
        for (String id : seen) {
            models.add(new Model(id, hasDefault && models.isEmpty()));
        }
        return new ModelList(models);
    }

    public List<Model> models() {
        return models;
    }

    /** The response body, UTF-8. The caller must not change it. */
    public byte[] json() {
        return json;
    }

    private static byte[] encode(List<Model> models) {
        ByteSink out = new ByteSink(16 + 40 * models.size());
        out.ascii("{\"models\":[");
        for (int i = 0; i < models.size(); i++) {
            Model m = models.get(i);
            out.ascii(i == 0 ? "{\"id\":" : ",{\"id\":");
            EventJson.string(out, m.id());
            out.ascii(m.isDefault() ? ",\"default\":true}" : ",\"default\":false}");
        }
        out.ascii("]}");
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return "ModelList" + models;
    }
}
