package dev.graft.serve.internal;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.graft.core.spi.Example;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads request bodies into examples, refusing with a 4xx that names the field at fault. Texts are
 * JSON strings; images are base64 strings (JPEG, PNG, BMP, GIF: what ImageIO reads) whose pixel count is
 * checked before they are decoded.
 */
final class Inputs {
    private static final Set<String> GRAFT_FIELDS = Set.of("text", "texts", "image", "images", "top_k");
    private static final Set<String> TF_FIELDS = Set.of("instances", "inputs", "signature_name");
    private static final TypeAdapter<JsonElement> TREE = new Gson().getAdapter(JsonElement.class);

    private static final String FORMATS = String.join(", ", java.util.Arrays.stream(ImageIO.getReaderFormatNames())
            .map(f -> f.toLowerCase(java.util.Locale.ROOT)).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)));

    private final int maxInstances;
    private final long maxPixels;

    Inputs(int maxInstances, long maxPixels) {
        this.maxInstances = maxInstances;
        this.maxPixels = maxPixels;
    }

    /** A request for the Graft endpoint: its inputs and how many labels to rank. */
    record GraftRequest(List<Example> examples, Integer topK) {
    }

    /** Strict JSON (no comments, unquoted names or trailing text): a top-level object. */
    static JsonObject object(byte[] body) {
        // decoded in one go (malformed UTF-8 becomes U+FFFD, as a decoding reader made it): a reader decoding the
        // bytes as it goes allocated an 8 KiB buffer per request, more than a one-text body
        try (JsonReader r = new JsonReader(new StringReader(new String(body, StandardCharsets.UTF_8)))) {
            r.setStrictness(Strictness.STRICT);
            JsonElement e = TREE.read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new HttpError(400, "malformed JSON: text after the top-level value at " + where(r));
            }
            if (e == null || !e.isJsonObject()) {
                throw new HttpError(400, "malformed request: the body must be a JSON object, got "
                        + (e == null ? "nothing" : kind(e)));
            }
            return e.getAsJsonObject();
        } catch (IOException | com.google.gson.JsonParseException | IllegalStateException | NumberFormatException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int cut = m.indexOf("\nSee https://");
            throw new HttpError(400, "malformed JSON: " + (cut > 0 ? m.substring(0, cut) : m));
        }
    }

    /** {@code {"texts": [...]}}, {@code {"text": "..."}}, {@code {"images": [b64...]}} or {@code {"image": "b64"}}, with optional {@code top_k}. */
    GraftRequest graft(JsonObject o, boolean text, int labels) {
        unknownFields(o, GRAFT_FIELDS);
        List<String> given = new ArrayList<>();
        for (String f : List.of("text", "texts", "image", "images")) {
            if (o.has(f)) {
                given.add(f);
            }
        }
        if (given.size() != 1) {
            throw new HttpError(400, given.isEmpty()
                    ? "field '" + (text ? "texts" : "images") + "': missing; give one of " + (text ? "'text' or 'texts'" : "'image' or 'images'")
                    : "fields " + given + ": give only one of them");
        }
        String f = given.get(0);
        boolean wantsText = f.startsWith("text");
        if (wantsText != text) {
            throw HttpError.bad(f, "this model takes " + (text ? "texts (field 'texts')" : "images (field 'images', base64)"));
        }
        List<Example> ex = new ArrayList<>();
        JsonElement v = o.get(f);
        if (f.endsWith("s")) {
            JsonArray a = array(v, f);
            for (int i = 0; i < a.size(); i++) {
                ex.add(example(a.get(i), f + "[" + i + "]", text));
            }
        } else {
            ex.add(example(v, f, text));
        }
        Integer k = null;
        if (o.has("top_k")) {
            JsonElement t = o.get("top_k");
            if (!t.isJsonPrimitive() || !t.getAsJsonPrimitive().isNumber()) {
                throw HttpError.bad("top_k", "must be a whole number, got " + kind(t));
            }
            double d = t.getAsDouble();
            if (d != Math.rint(d) || d < 1 || d > labels) {
                throw HttpError.bad("top_k", "must be a whole number from 1 to " + labels + " (the model's labels), got " + t);
            }
            k = (int) d;
        }
        return new GraftRequest(ex, k);
    }

    /**
     * TensorFlow Serving's REST predict body: {@code {"instances": [...]}} (row format) or {@code {"inputs": ...}}
     * (columnar). Each instance is a string (text), {@code {"b64": "..."}} (image), or an object with one named
     * input holding either.
     */
    List<Example> tensorflow(JsonObject o, boolean text) {
        unknownFields(o, TF_FIELDS);
        if (o.has("signature_name")) {
            JsonElement s = o.get("signature_name");
            if (!isString(s) || !s.getAsString().equals("serving_default")) {
                throw HttpError.bad("signature_name", "the only signature is \"serving_default\", got " + s);
            }
        }
        if (o.has("instances") == o.has("inputs")) {
            throw new HttpError(400, o.has("inputs") ? "fields ['instances', 'inputs']: give only one of them"
                    : "field 'instances': missing; give \"instances\": [...] (or \"inputs\")");
        }
        String f = o.has("instances") ? "instances" : "inputs";
        JsonElement v = o.get(f);
        if (f.equals("inputs") && v.isJsonObject() && v.getAsJsonObject().size() == 1) {
            Map.Entry<String, JsonElement> only = v.getAsJsonObject().entrySet().iterator().next();
            if (only.getValue().isJsonArray()) {
                f = "inputs." + only.getKey();
                v = only.getValue();
            }
        }
        List<Example> ex = new ArrayList<>();
        if (f.startsWith("inputs") && !v.isJsonArray()) {
            ex.add(instance(v, f, text));
            return ex;
        }
        JsonArray a = array(v, f);
        for (int i = 0; i < a.size(); i++) {
            ex.add(instance(a.get(i), f + "[" + i + "]", text));
        }
        return ex;
    }

    private Example instance(JsonElement e, String field, boolean text) {
        if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            if (!text && o.size() == 1 && o.has("b64")) {
                return example(o.get("b64"), field + ".b64", false);
            }
            if (o.size() != 1) {
                throw HttpError.bad(field, "an instance object must hold exactly one named input, got " + o.keySet());
            }
            Map.Entry<String, JsonElement> only = o.entrySet().iterator().next();
            return instance(only.getValue(), field + "." + only.getKey(), text);
        }
        if (!text) {
            throw HttpError.bad(field, "this model takes images: give {\"b64\": \"<base64 image>\"}, got " + kind(e));
        }
        return example(e, field, true);
    }

    private Example example(JsonElement e, String field, boolean text) {
        if (!isString(e)) {
            throw HttpError.bad(field, "must be a string (" + (text ? "a text" : "a base64 image") + "), got " + kind(e));
        }
        String s = e.getAsString();
        if (text) {
            if (s.isBlank()) {
                throw HttpError.bad(field, "empty text; there is nothing to predict from");
            }
            return new Example(field, s, null);
        }
        return new Example(field, image(s, field), null);
    }

    private BufferedImage image(String b64, String field) {
        byte[] bytes;
        String compact = b64.replaceAll("\\s+", "");
        try {
            // standard or URL-safe alphabet (TensorFlow Serving accepts both), padding optional
            bytes = (compact.indexOf('-') >= 0 || compact.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(compact);
        } catch (IllegalArgumentException e) {
            throw HttpError.bad(field, "not base64: " + e.getMessage());
        }
        if (bytes.length == 0) {
            throw HttpError.bad(field, "empty image");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw HttpError.bad(field, "not an image this server reads (formats: " + FORMATS + ")");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                long w = r.getWidth(0);
                long h = r.getHeight(0);
                if (w * h > maxPixels) {
                    throw new HttpError(413, "field '" + field + "': image of " + w + "x" + h + " pixels is over the limit of "
                            + maxPixels + " pixels");
                }
                BufferedImage bi = r.read(0);
                if (bi == null) {
                    throw HttpError.bad(field, "image could not be decoded");
                }
                return bi;
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof HttpError h) {
                throw h;
            }
            throw HttpError.bad(field, "damaged image: " + e.getMessage());
        }
    }

    private JsonArray array(JsonElement v, String field) {
        if (!v.isJsonArray()) {
            throw HttpError.bad(field, "must be a list, got " + kind(v));
        }
        JsonArray a = v.getAsJsonArray();
        if (a.isEmpty()) {
            throw HttpError.bad(field, "empty list; there is nothing to predict");
        }
        if (a.size() > maxInstances) {
            throw new HttpError(413, "field '" + field + "': " + a.size() + " inputs in one request, over the limit of " + maxInstances);
        }
        return a;
    }

    private static void unknownFields(JsonObject o, Set<String> known) {
        for (String k : o.keySet()) {
            if (!known.contains(k)) {
                throw HttpError.bad(k, "unknown field; known fields: " + new java.util.TreeSet<>(known));
            }
        }
    }

    private static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && ((JsonPrimitive) e).isString();
    }

    private static String kind(JsonElement e) {
        if (e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonArray()) {
            return "a list";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isNumber() ? "a number" : p.isBoolean() ? "a boolean" : "a string";
    }

    private static String where(JsonReader r) {
        String s = r.toString();
        int at = s.indexOf(" at ");
        return at >= 0 ? s.substring(at + 4) : s;
    }
}
