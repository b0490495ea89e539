package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * {@code ferry-bom} has no parent (importing it must bring its versions and nothing else), so it
 * repeats versions the build pins in the root pom: every artifact both manage must have the same
 * version in both, or a plugin would be built against other versions than Ferry was.
 */
class BomMatchesBuildIT {
    private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

    @Test
    void everyVersionTheBomPinsIsTheOneTheBuildUses() throws Exception {
        Path root = Path.of(System.getProperty("ferry.root"));
        Map<String, String> bom = managed(parse(root.resolve("bom/pom.xml")));
        Map<String, String> build = managed(parse(root.resolve("pom.xml")));

        assertThat(bom)
                .containsKeys(
                        "io.ferry:ferry-framework",
                        "io.ferry:ferry-testkit",
                        "org.osgi:org.osgi.util.promise",
                        "org.osgi:org.osgi.util.function",
                        "biz.aQute.bnd:biz.aQute.bnd.annotation");
        int compared = 0;
        for (Map.Entry<String, String> e : bom.entrySet()) {
            if (build.containsKey(e.getKey())) {
                assertThat(e.getValue())
                        .as("version of %s in bom/pom.xml and pom.xml", e.getKey())
                        .isEqualTo(build.get(e.getKey()));
                compared++;
            }
        }
        assertThat(compared).as("artifacts both poms manage").isGreaterThan(15);
    }

    private static Document parse(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    /** groupId:artifactId to version, with the pom's own properties (and its project version) filled in. */
    private static Map<String, String> managed(Document pom) {
        Map<String, String> properties = new HashMap<>();
        Element project = pom.getDocumentElement();
        properties.put("project.version", child(project, "version"));
        Element props = first(project, "properties");
        if (props != null) {
            NodeList list = props.getChildNodes();
            for (int i = 0; i < list.getLength(); i++) {
                if (list.item(i) instanceof Element p) {
                    properties.put(p.getTagName(), p.getTextContent().strip());
                }
            }
        }
        Map<String, String> out = new HashMap<>();
        NodeList deps =
                first(first(project, "dependencyManagement"), "dependencies").getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            out.put(child(d, "groupId") + ":" + child(d, "artifactId"), resolve(child(d, "version"), properties));
        }
        return out;
    }

    private static String resolve(String value, Map<String, String> properties) {
        Matcher m = PROPERTY.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(properties.getOrDefault(m.group(1), m.group())));
        }
        return m.appendTail(out).toString();
    }

    private static Element first(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        return null;
    }

    private static String child(Element parent, String tag) {
        Element e = first(parent, tag);
        return e == null ? "" : e.getTextContent().strip();
    }
}
