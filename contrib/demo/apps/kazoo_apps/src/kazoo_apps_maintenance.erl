%% Stand-ins for Kazoo's *_maintenance functions as `sup` calls them (every argument a
%% binary): one that prints, one that fails, and the no_return forms.
-module(kazoo_apps_maintenance).

-export([hello/1, fail/0, nothing/0, exit_code/1, sleep/1]).

hello(Who) ->
    io:format("hello ~s~n", [Who]),
    io:format("second line~n"),
    ok.

fail() ->
    {error, not_ok}.

nothing() ->
    no_return.

exit_code(N) ->
    {no_return, binary_to_integer(N)}.

sleep(Seconds) ->
    timer:sleep(1000 * binary_to_integer(Seconds)),
    ok.
