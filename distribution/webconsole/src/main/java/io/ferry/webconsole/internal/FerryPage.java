package io.ferry.webconsole.internal;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The Web Console page "Ferry" at {@code /system/console/ferry}. It shows what the {@code ferry:}
 * commands return, as JSON the page polls ({@code ferry/status.json}), and its buttons run
 * {@code ferry:migrate URI} and {@code ferry:cancel}: the page and the shell act on the same
 * session, through Gogo, so neither keeps state of its own. The Web Console's authentication
 * guards every request before it reaches this servlet.
 */
@Component(
        service = Servlet.class,
        property = {"felix.webconsole.label=ferry", "felix.webconsole.title=Ferry", "felix.webconsole.category=Ferry"})
public final class FerryPage extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final String[][] STATUS = {
        {"machine", "ferry:machine"},
        {"migration", "ferry:info"},
        {"plugins", "ferry:plugins"},
        {"handlers", "ferry:handlers"},
        {"parameters", "ferry:parameters"}
    };

    private final transient CommandSession session;
    private final transient ByteArrayOutputStream printed = new ByteArrayOutputStream();

    @Activate
    public FerryPage(@Reference CommandProcessor processor) {
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        this.session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        // Its failures are no failed line of a scripted shell (the shell's ScriptStatus reads this name).
        session.put("ferry.not-a-script", Boolean.TRUE);
    }

    @Deactivate
    void deactivate() {
        session.close();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        if (path.endsWith("/status.json")) {
            Map<String, Object> status = new LinkedHashMap<>();
            for (String[] entry : STATUS) {
                status.put(entry[0], run(entry[1]));
            }
            json(response, Json.of(status));
            return;
        }
        response.setContentType("text/html");
        response.setCharacterEncoding("UTF-8");
        try (InputStream page = FerryPage.class.getResourceAsStream("ferry.html")) {
            response.getWriter().write(new String(page.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** {@code action=migrate&uri=tcp:HOST:PORT} or {@code action=cancel}; answers {@code {"ok":..,"result"|"error":..}}. */
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String action = String.valueOf(request.getParameter("action"));
        Map<String, Object> answer = new LinkedHashMap<>();
        synchronized (session) {
            try {
                Object result = switch (action) {
                    case "migrate" -> {
                        // passed as a variable: the URI is never parsed as a command line
                        session.put(
                                "ferry_uri",
                                String.valueOf(request.getParameter("uri")).strip());
                        yield session.execute("ferry:migrate $ferry_uri");
                    }
                    case "cancel" -> session.execute("ferry:cancel");
                    default -> throw new IllegalArgumentException("unknown action '" + action + "': migrate or cancel");
                };
                answer.put("ok", true);
                answer.put("result", result);
                answer.put("text", String.valueOf(session.format(result, 0)));
            } catch (Exception e) {
                answer.put("ok", false);
                answer.put("error", e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
        json(response, Json.of(answer));
    }

    /** One command's data object, or {@code {"error": message}} when it failed. */
    private Object run(String command) {
        synchronized (session) {
            try {
                printed.reset();
                return session.execute(command);
            } catch (Exception e) {
                return Map.of("error", e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
    }

    private static void json(HttpServletResponse response, String body) throws IOException {
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(body);
    }
}
