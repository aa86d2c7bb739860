%% Helpers kzlaunch's tests call with erl_call on a running node (either node type: both
%% apps are in the release).
-module(kazoo_apps).

-export([exit_with/1, spam/1, listen/1]).

%% Ends the VM with Status, to check that the launcher and helper pass it on.
exit_with(Status) ->
    erlang:halt(Status).

%% Writes "line 1" .. "line N" to the console, to load the console path and its log.
spam(Lines) ->
    lists:foreach(fun(N) -> io:format(user, "line ~b~n", [N]) end, lists:seq(1, Lines)).

%% Binds Port and lets it go, to check which capabilities the node kept (port 80 needs
%% cap_net_bind_service).
listen(Port) ->
    case gen_tcp:listen(Port, [{reuseaddr, true}]) of
        {ok, Socket} -> gen_tcp:close(Socket);
        {error, Reason} -> {error, Reason}
    end.
