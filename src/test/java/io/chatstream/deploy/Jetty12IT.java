package io.chatstream.deploy;

import java.util.Map;

/** chat.war in a standalone Eclipse Jetty 12 (ee10 environment). */
class Jetty12IT extends ContainerContract {

    @Override
    protected Container startContainer(Map<String, String> modelParameters) throws Exception {
        return JettyContainer.start("jetty12", Container.home("it.jetty.home"), modelParameters);
    }
}
