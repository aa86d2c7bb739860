%% Helpers kzlaunch's tests call with erl_call on a running node (either node type: both
%% apps are in the release).
-module(kazoo_apps).

-export([exit_with/1, spam/1, blast/1, listen/1]).

%% Ends the VM with Status, to check that the launcher and helper pass it on.
exit_with(Status) ->
    erlang:halt(Status).

%% Writes "line 1" .. "line N" to the console, to load the console path and its log.
spam(Lines) ->
    lists:foreach(fun(N) -> io:format(user, "line ~b~n", [N]) end, lists:seq(1, Lines)).

%% Writes Lines numbered lines of 1 KiB each ("seq 0000000001 ...") to the console, 64 to a
%% write, so the soak test can check that the console log holds every byte in order.
blast(Lines) ->
    Pad = lists:duplicate(1024 - 16, $.),
    blast(1, Lines, Pad).

blast(N, Last, _Pad) when N > Last ->
    ok;
blast(N, Last, Pad) ->
    Upto = min(N + 63, Last),
    io:put_chars(user, [io_lib:format("seq ~10..0b ~s~n", [I, Pad]) || I <- lists:seq(N, Upto)]),
    blast(Upto + 1, Last, Pad).

%% Binds Port and lets it go, to check which capabilities the node kept (port 80 needs
%% cap_net_bind_service).
listen(Port) ->
    case gen_tcp:listen(Port, [{reuseaddr, true}]) of
        {ok, Socket} -> gen_tcp:close(Socket);
        {error, Reason} -> {error, Reason}
    end.
