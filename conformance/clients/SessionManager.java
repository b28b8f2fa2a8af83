import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * What DBeaver's PostgreSQL session manager sends through pgJDBC (its PostgreSessionManager
 * and PostgreSession): every pg_stat_activity row read by column name, then one session
 * terminated by pid. Prints the columns it read of the other session, then OK.
 */
public class SessionManager {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        try (Connection me = DriverManager.getConnection(url, "junction", "");
             Connection other = DriverManager.getConnection(url, "junction", "")) {
            int otherPid;
            try (Statement s = other.createStatement();
                 ResultSet rs = s.executeQuery("select pg_backend_pid()")) {
                rs.next();
                otherPid = rs.getInt(1);
            }
            boolean seen = false;
            try (PreparedStatement ps =
                     me.prepareStatement("SELECT sa.* FROM pg_catalog.pg_stat_activity sa");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // The columns PostgreSession reads, by name.
                    int pid = rs.getInt("pid");
                    String user = rs.getString("usename");
                    String app = rs.getString("application_name");
                    String db = rs.getString("datname");
                    String addr = rs.getString("client_addr");
                    rs.getString("client_hostname");
                    rs.getInt("client_port");
                    rs.getTimestamp("backend_start");
                    rs.getTimestamp("xact_start");
                    rs.getTimestamp("query_start");
                    rs.getTimestamp("state_change");
                    String state = rs.getString("state");
                    String query = rs.getString("query");
                    rs.getString("wait_event_type");
                    rs.getString("wait_event");
                    rs.getString("backend_type");
                    if (pid == otherPid) {
                        seen = true;
                        System.out.println("other " + user + " " + db + " " + state + " "
                            + (addr != null) + " [" + app + "] " + query);
                    }
                }
            }
            if (!seen) {
                throw new AssertionError("the other session is not in pg_stat_activity");
            }
            try (Statement s = me.createStatement()) {
                s.execute("SELECT pg_catalog.pg_terminate_backend(" + otherPid + ")");
            }
            // The terminated session's next statement fails: its connection is gone.
            try (Statement s = other.createStatement()) {
                s.executeQuery("select 1");
                throw new AssertionError("the terminated session still answers");
            } catch (java.sql.SQLException expected) {
                System.out.println("terminated " + expected.getSQLState());
            }
        }
        System.out.println("OK");
    }
}
